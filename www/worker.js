// Runs large scenarios off the main thread. Receives {id, scenario, values}; answers
// {id, result} (the Explorer's result as a plain object, structured-cloned) or {id, error}.
import init, { Explorer } from './pkg/margin_cascade.js';

const ready = init();
let ex = null;

self.onmessage = async (m) => {
  const { id, scenario, values } = m.data || {};
  try {
    await ready;
    ex ??= new Explorer();
    ex.load_json(String(scenario));
    for (const [k, v] of Object.entries(values || {})) ex.set_control(k, String(v));
    ex.run();
    self.postMessage({ id, result: ex.export_result() });
  } catch (e) {
    self.postMessage({ id, error: (e && e.message) || String(e) });
  }
};
