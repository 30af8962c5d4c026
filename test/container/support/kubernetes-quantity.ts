// Kubernetes resource quantities ("256Mi", "10m", "1.5", "2e3") as numbers in the base unit (bytes,
// cores). The grammar is k8s.io/apimachinery pkg/api/resource/quantity.go: a decimal number, then a
// binary suffix (Ki..Ei, powers of 1024), a decimal suffix (n, u, m, "", k, M, G, T, P, E) or a
// decimal exponent (e3, E-2).

const binary: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const decimal: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

const quantityPattern = /^([+-]?(?:\d+\.?\d*|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;

/** The quantity's value in its base unit; throws on anything that is not a quantity. */
export function quantityValue(text: string): number {
  const match = quantityPattern.exec(text.trim());
  if (!match) throw new Error(`"${text}" is not a Kubernetes quantity`);
  const number = Number(match[1]);
  const suffix = match[2] ?? '';
  if (suffix === '') return number;
  const scale = binary[suffix] ?? decimal[suffix] ?? 10 ** Number(suffix.slice(1));
  return number * scale;
}

/** Bytes, rounded up as Quantity.Value() does (a limit never shrinks). */
export function quantityBytes(text: string): number {
  return Math.ceil(quantityValue(text));
}

/** Thousandths of a core, rounded up as Quantity.MilliValue() does. */
export function quantityMillis(text: string): number {
  return Math.ceil(Math.round(quantityValue(text) * 1e9) / 1e6);
}
