/** One BENCH line in the format of shared/BENCH.md. */
export function benchLine(name: string, value: number, unit: string, ref: number): string {
  const fmt = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(2));
  const line = `BENCH ${name} ${fmt(value)} ${unit} ref=${fmt(ref)} ratio=${(value / ref).toFixed(2)}`;
  process.stdout.write(`${line}\n`);
  return line;
}

export function note(text: string): void {
  process.stdout.write(`# ${text}\n`);
}
