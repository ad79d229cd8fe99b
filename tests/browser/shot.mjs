// node shot.mjs [preset] [width]: screenshot the page (for looking at it) into tests/artifacts/.
import { serve, launch, openPage, artifacts } from './helpers.mjs';
const [preset = 'loop', width = '1280'] = process.argv.slice(2);
const srv = await serve();
const b = await launch();
const { page, errors } = await openPage(b.context, srv.url, { viewport: { width: +width, height: 900 } });
if (preset !== 'contagion') { await page.selectOption('#preset', preset); await page.waitForTimeout(500); }
const file = `${artifacts}/shot-${preset}-${width}.png`;
await page.screenshot({ path: file, fullPage: true });
console.log(file, errors.length ? 'ERRORS: ' + errors.join(' | ') : 'no console errors');
await b.close(); srv.close();
