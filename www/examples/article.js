// The example article's side of the embed API (see the "How to embed" section of index.html and
// onHostMessage in ../app.js):
//   * every iframe.cascade-embed is sized from its embed's {type: 'cascade:height', height};
//   * the story steps (.step with data-step, or data-set-key + data-set-value) drive the embed
//     in the same .scrolly section as the reader scrolls: {type: 'cascade:step'} and
//     {type: 'cascade:set'} messages, sent once the embed said {type: 'cascade:ready'}, each
//     numbered (`id`); the embed's {type: 'cascade:state'} echoes the last number it applied
//     (`ack`), so a state sent before our latest message arrived is not mistaken for news.
// Messages are only taken from the frame they claim to come from, and only in the documented
// shapes; anything else is ignored. Text from an embed is shown with textContent.

const frames = new Map(); // contentWindow → state, filled as frames are found

const reduceMotion = matchMedia('(prefers-reduced-motion: reduce)');

/** Key/value pairs of a share link's fragment (the embed's starting values). */
function linkValues(src) {
  const out = new Map();
  const hash = new URL(src, location.href).hash.slice(1);
  for (const part of hash.split('&')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    try { out.set(decodeURIComponent(part.slice(0, i)), decodeURIComponent(part.slice(i + 1))); } catch { /* not ours to judge */ }
  }
  return out;
}

function stateOf(iframe) {
  const win = iframe.contentWindow;
  if (!win) return null;
  let st = frames.get(win);
  if (!st) {
    const link = linkValues(iframe.src);
    st = {
      iframe,
      origin: new URL(iframe.src, location.href).origin,
      ready: false,
      base: new Map(), // every control's value when the embed was ready (restored when the reader scrolls back)
      sent: new Map(), // control values the embed has now (its latest cascade:state says)
      step: link.has('t') ? Number(link.get('t')) : null,
      want: null, // {values: Map, step} the story wants
      tween: null,
      seq: 0, // the id of the last message sent; a cascade:state whose ack differs predates it
    };
    frames.set(win, st);
  }
  return st;
}

function send(st, msg) {
  st.iframe.contentWindow?.postMessage({ ...msg, id: ++st.seq }, st.origin);
}

// ---------- sizing and the embed → page messages
function onMessage(e) {
  const iframe = [...document.querySelectorAll('iframe.cascade-embed')].find((f) => f.contentWindow === e.source);
  if (!iframe) return; // not one of our embeds
  const st = stateOf(iframe);
  if (!st || e.origin !== st.origin) return;
  const m = e.data;
  if (!m || typeof m !== 'object' || typeof m.type !== 'string') return;
  if (m.type === 'cascade:height') {
    if (typeof m.height !== 'number' || !Number.isFinite(m.height) || m.height < 100 || m.height > 20000) return;
    const h = Math.ceil(m.height);
    if (iframe.getAttribute('height') !== String(h)) {
      iframe.setAttribute('height', String(h)); // the sticky figure's ResizeObserver follows
    }
  } else if (m.type === 'cascade:ready') {
    const values = valuesOf(m.values);
    if (!values) return;
    if (!st.ready) {
      st.ready = true;
      st.base = values;
      iframe.dataset.state = 'ready';
    }
    // (again after a reload of the embed: it starts from its link, and has seen none of our messages)
    st.sent = new Map(values);
    st.seq = 0;
    apply(st);
  } else if (m.type === 'cascade:state') {
    if (typeof m.summary !== 'string') return;
    // What the embed shows now, including what the reader changed with its own controls; unless
    // the embed sent it before our latest message reached it (it would undo what we just sent).
    const current = st.seq === 0 || m.ack === st.seq;
    const values = valuesOf(m.values);
    if (values && current) st.sent = values;
    if (Number.isInteger(m.step) && current && !st.tween) st.step = m.step;
    const live = iframe.closest('.scrolly')?.querySelector('.live');
    // the summary's first sentence, as a headline (the embed shows the whole summary)
    const h = headline(m.summary);
    if (live && live.textContent !== h) live.textContent = h; // (aria-live: only news is read out)
  }
}
addEventListener('message', onMessage);

// In case an embed was ready before this script ran: ask every frame to say hello again (a frame
// not loaded yet ignores it and sends cascade:ready by itself later).
function hello() {
  for (const iframe of document.querySelectorAll('iframe.cascade-embed')) {
    const st = stateOf(iframe);
    // '*': the frame may still hold its initial blank document (a lazy frame not loaded yet).
    if (st && !st.ready) iframe.contentWindow.postMessage({ type: 'cascade:hello' }, '*');
  }
}

/** The first sentence of a summary ("…%). Your…" ends at the ". " before a capital). */
function headline(text) {
  const t = text.slice(0, 600);
  const end = t.search(/\.\s+(?=\p{Lu})/u);
  return end > 0 ? t.slice(0, end + 1) : t;
}

/** An embed's {key: string} control values as a Map, or null if the shape is wrong. */
function valuesOf(v) {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return null;
  const out = new Map();
  for (const [k, x] of Object.entries(v).slice(0, 200)) if (typeof x === 'string') out.set(k, x);
  return out;
}

// ---------- the story: what each step wants, and sending only what changed
function apply(st) {
  if (!st.ready || !st.want) return;
  for (const key of st.want.keys) {
    // a key no step has set yet goes back to the embed's own starting value
    const value = st.want.values.has(key) ? st.want.values.get(key) : st.base.get(key);
    if (value == null || st.sent.get(key) === value) continue;
    st.sent.set(key, value);
    send(st, { type: 'cascade:set', key, value });
  }
  if (st.want.step != null && st.want.step !== st.step) moveCursor(st, st.want.step);
}

/** Move the time cursor: a short glide, or at once when the reader prefers less motion. */
function moveCursor(st, to) {
  if (st.tween) cancelAnimationFrame(st.tween);
  st.tween = null;
  const from = st.step;
  if (from == null || reduceMotion.matches || document.hidden) {
    st.step = to;
    send(st, { type: 'cascade:step', step: to });
    return;
  }
  const t0 = performance.now(), ms = 600;
  const frame = (now) => {
    const k = Math.min(1, (now - t0) / ms);
    const eased = 1 - (1 - k) ** 3;
    st.step = Math.round(from + (to - from) * eased);
    send(st, { type: 'cascade:step', step: st.step });
    st.tween = k < 1 ? requestAnimationFrame(frame) : null;
  };
  st.tween = requestAnimationFrame(frame);
}

function setupScrolly(section) {
  const iframe = section.querySelector('iframe.cascade-embed');
  const steps = [...section.querySelectorAll('.step')];
  if (!iframe || !steps.length) return;
  // What the embed should show at each step: that step's own setting, every other key the story
  // touches at the embed's starting value (so each step reads the same however the reader got
  // there, and scrolling back restores), and the latest cursor step.
  const keys = [...new Set(steps.map((s) => s.dataset.setKey).filter(Boolean))];
  const wants = [];
  const start = linkValues(iframe.src);
  let step = start.has('t') ? Number(start.get('t')) : null;
  for (const s of steps) {
    const values = new Map();
    if (s.dataset.setKey && s.dataset.setValue != null) values.set(s.dataset.setKey, s.dataset.setValue);
    if (s.dataset.step != null && Number.isInteger(Number(s.dataset.step))) step = Number(s.dataset.step);
    wants.push({ keys, values, step });
  }
  let active = -1;
  const activate = (i) => {
    if (i === active) return;
    if (active >= 0) steps[active].classList.remove('is-active');
    active = i;
    steps[i].classList.add('is-active');
    const st = stateOf(iframe);
    if (!st) return;
    st.want = wants[i];
    apply(st);
  };
  // A step is active while it crosses a band just above the middle of the screen.
  const io = new IntersectionObserver((entries) => {
    for (const e of entries) if (e.isIntersecting) activate(steps.indexOf(e.target));
  }, { rootMargin: '-45% 0px -50% 0px', threshold: 0 });
  for (const s of steps) io.observe(s);
}

// ---------- a figure taller than the screen sticks by its bottom edge
function placeSticky() {
  for (const fig of document.querySelectorAll('.scrolly .sticky')) {
    const h = fig.getBoundingClientRect().height;
    fig.style.setProperty('--stick-top', `${Math.min(16, Math.round(innerHeight - h - 16))}px`);
  }
}
addEventListener('resize', placeSticky);
const stickyResized = new ResizeObserver(placeSticky);

// ---------- the snippet shows this site's own address
function fillSnippet() {
  const url = new URL('../index.html', location.href).href;
  for (const code of document.querySelectorAll('code[data-snippet]')) {
    code.textContent = code.textContent.replace('https://your-site.example/explorer/index.html', url);
  }
}

function main() {
  for (const section of document.querySelectorAll('.scrolly')) setupScrolly(section);
  for (const iframe of document.querySelectorAll('iframe.cascade-embed')) iframe.addEventListener('load', hello);
  for (const fig of document.querySelectorAll('.scrolly .sticky')) stickyResized.observe(fig);
  fillSnippet();
  hello();
}
main();
