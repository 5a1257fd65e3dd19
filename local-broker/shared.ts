// Small helpers the broker launcher's modules share.

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function errCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

export function lastLines(text: string, n: number): string {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.slice(-n).join('\n');
}
