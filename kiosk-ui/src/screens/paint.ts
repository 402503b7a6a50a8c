/** Runs `fn` once the current frame has been painted (a frame callback, then a task). */
export function afterPaint(fn: () => void): void {
  requestAnimationFrame(() => setTimeout(fn, 0));
}
