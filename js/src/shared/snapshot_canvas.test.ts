// The pure parts of canvases as vectors (snapshot_canvas.ts): equal-colour runs of a drawn
// image, and the canvas's normalised `font` read back into SVG's font attributes.
import { describe, expect, it } from "vitest";
import { cellRuns, parseCanvasFont } from "./snapshot_canvas";

function pixels(rows: string[]): { px: Uint8ClampedArray; cols: number; rows: number } {
  const colours: Record<string, number[]> = { r: [255, 0, 0, 255], b: [0, 0, 255, 255], ".": [0, 0, 0, 0] };
  const cols = rows[0].length;
  const px = new Uint8ClampedArray(rows.length * cols * 4);
  rows.forEach((line, r) => Array.from(line).forEach((ch, c) => px.set(colours[ch], (r * cols + c) * 4)));
  return { px, cols, rows: rows.length };
}

describe("cellRuns", () => {
  it("merges equal neighbours along a row and identical runs down the rows", () => {
    const { px, cols, rows } = pixels(["rrb", "rrb", "bbb"]);
    const runs = cellRuns(px, cols, rows)!;
    const got = runs.map(([c0, r0, c1, r1, o]) => [c0, r0, c1, r1, px[o] ? "r" : "b"]);
    expect(got).toEqual([[0, 0, 2, 2, "r"], [2, 0, 3, 2, "b"], [0, 2, 3, 3, "b"]]);
  });
  it("leaves transparent pixels out and gives up past the limit", () => {
    const { px, cols, rows } = pixels(["r.r", ".r."]);
    expect(cellRuns(px, cols, rows)!.length).toBe(3);
    expect(cellRuns(px, cols, rows, 2)).toBeNull();
  });
  it("a checkerboard cannot merge: one rect per cell", () => {
    const { px, cols, rows } = pixels(["rbrb", "brbr", "rbrb"]);
    expect(cellRuns(px, cols, rows)!.length).toBe(12);
  });
});

describe("parseCanvasFont", () => {
  it("reads size, family, weight and style", () => {
    expect(parseCanvasFont("11px system-ui, sans-serif")).toEqual({ style: "normal", weight: "400", size: 11, family: "system-ui, sans-serif" });
    expect(parseCanvasFont("italic bold 16.5px \"Noto Sans CJK SC\", sans-serif")).toEqual({
      style: "italic", weight: "700", size: 16.5, family: "\"Noto Sans CJK SC\", sans-serif",
    });
    expect(parseCanvasFont("600 12px/1.2 monospace").weight).toBe("600");
  });
});
