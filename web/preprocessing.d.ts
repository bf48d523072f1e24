// Types of preprocessing.js: an image input's tensor from RGBA pixels, as the .NET host's ImageLoader makes it.

/** How pixels become an image tensor: value = (channel × scale − mean[c]) / std[c]. */
export interface PreprocessingOptions {
  /** 'NCHW' (default) or 'NHWC'. */
  layout?: 'NCHW' | 'NHWC';
  /** 'RGB' (default) or 'BGR'. */
  order?: 'RGB' | 'BGR';
  /** Pixel scale (default 1/255). */
  scale?: number;
  /** Per-channel mean (one value or three; default ImageNet's). */
  mean?: number[];
  /** Per-channel std (one value or three; default ImageNet's). */
  std?: number[];
}

/** RGBA pixels (already width × height) → the float32 tensor of a 3-channel image input. */
export function tensorFromRgba(rgba: ArrayLike<number>, width: number, height: number, options?: PreprocessingOptions): Float32Array;

/** Preprocessing options from a module's metadata hints (the keys `wasmgraph compile --hint` writes). */
export function preprocessingFromHints(hints?: Record<string, string>): PreprocessingOptions;
