// Image preprocessing for a module's image input in a page or in Node, as the .NET host's ImageLoader does it, from
// the hints `wasmgraph compile --hint` writes into the metadata. No dependencies and no Node imports.

/**
 * RGBA pixels (already width×height) → the float32 tensor of an image input, as the .NET host's ImageLoader does it:
 * value = (channel × scale − mean[c]) / std[c], channels in `order`, laid out as `layout` (NCHW or NHWC).
 */
export function tensorFromRgba(rgba, width, height, { layout = 'NCHW', order = 'RGB', scale = 1 / 255, mean = [0.485, 0.456, 0.406], std = [0.229, 0.224, 0.225] } = {}) {
  const out = new Float32Array(3 * width * height);
  const plane = width * height;
  const perChannel = (values, c) => (values.length === 1 ? values[0] : values[c]);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 4;
      const rgb = [rgba[p], rgba[p + 1], rgba[p + 2]];
      for (let c = 0; c < 3; c++) {
        const value = order === 'BGR' ? rgb[2 - c] : rgb[c];
        const index = layout === 'NCHW' ? c * plane + y * width + x : (y * width + x) * 3 + c;
        out[index] = (value * scale - perChannel(mean, c)) / perChannel(std, c);
      }
    }
  }
  return out;
}

/** Preprocessing options from a module's metadata hints (the same keys `wasmgraph compile --hint` writes). */
export function preprocessingFromHints(hints = {}) {
  const numbers = (text) => text.split(',').map(Number);
  const fraction = (text) => text.split('/').map(Number).reduce((a, b) => a / b);
  const options = {};
  if (hints.layout) options.layout = hints.layout.toUpperCase();
  if (hints.channel_order) options.order = hints.channel_order.toUpperCase();
  if (hints.scale) options.scale = fraction(hints.scale);
  if (hints.mean) options.mean = numbers(hints.mean);
  if (hints.std) options.std = numbers(hints.std);
  return options;
}
