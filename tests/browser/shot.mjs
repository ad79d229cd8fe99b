// node shot.mjs [preset | link fragment] [width]: screenshot the page (for looking at it) into
// tests/artifacts/. A fragment (`v=2&preset=venue-depeg&mark=median`) opens that link.
import { serve, launch, openPage, artifacts } from './helpers.mjs';
const [preset = 'loop', width = '1280'] = process.argv.slice(2);
const link = preset.includes('=');
const srv = await serve();
const b = await launch();
const url = link ? `${srv.url}#${preset}` : srv.url;
const { page, errors } = await openPage(b.context, url, { viewport: { width: +width, height: 900 } });
if (!link && preset !== 'contagion') { await page.selectOption('#preset', preset); await page.waitForTimeout(500); }
if (link) await page.waitForTimeout(500);
const file = `${artifacts}/shot-${preset.replace(/[^A-Za-z0-9.-]+/g, '_')}-${width}.png`;
await page.screenshot({ path: file, fullPage: true });
console.log(file, errors.length ? 'ERRORS: ' + errors.join(' | ') : 'no console errors');
await b.close(); srv.close();
