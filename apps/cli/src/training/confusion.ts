/** `matrix[t][p]`: how many samples of true class `t` were predicted as `p`. */
export function confusionMatrix(
  trueLabels: readonly number[],
  predicted: readonly number[],
  classes: number,
): number[][] {
  const matrix = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  trueLabels.forEach((t, i) => {
    matrix[t][predicted[i]]++;
  });
  return matrix;
}

/**
 * The confusion matrix as text: a full table for up to 12 classes (rows true, columns
 * predicted, classes numbered in a legend), else per-class accuracy and the confused pairs.
 */
export function formatConfusion(matrix: readonly (readonly number[])[], classes: readonly string[]): string {
  const lines: string[] = [];
  const total = (row: readonly number[]) => row.reduce((a, b) => a + b, 0);
  if (classes.length <= 12) {
    const width = Math.max(3, ...matrix.flat().map((n) => String(n).length));
    const label = Math.max(...classes.map((c) => c.length)) + 4;
    lines.push(
      `${"true \\ predicted".padEnd(label)} ${classes.map((_, j) => String(j).padStart(width)).join(" ")}`,
    );
    matrix.forEach((row, i) => {
      lines.push(
        `${`${i} ${classes[i]}`.padEnd(label)} ${row.map((n) => (n === 0 ? "." : String(n)).padStart(width)).join(" ")}`,
      );
    });
    return `${lines.join("\n")}\n`;
  }
  const confusions: string[] = [];
  matrix.forEach((row, i) => {
    const n = total(row);
    lines.push(`${classes[i].padEnd(14)} ${n === 0 ? "-" : `${((100 * row[i]) / n).toFixed(0)}%`} of ${n}`);
    row.forEach((count, j) => {
      if (j !== i && count > 0) confusions.push(`${classes[i]} → ${classes[j]}: ${count}`);
    });
  });
  lines.push(confusions.length ? `confused: ${confusions.join(", ")}` : "no confusions");
  return `${lines.join("\n")}\n`;
}
