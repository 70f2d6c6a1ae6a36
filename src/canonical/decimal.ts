/**
 * Exact decimal arithmetic on strings, used to reproduce what the databases
 * do to numbers (round half away from zero for NUMERIC, half even for the C
 * library's printf of doubles) without ever going through a lossy double.
 */

export interface DecimalParts {
  negative: boolean;
  /** Digits without leading zeros ("0" for zero). */
  digits: string;
  /** value = digits * 10^exponent */
  exponent: number;
}

const DECIMAL_RE = /^([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

export function parseDecimal(text: string): DecimalParts {
  const m = DECIMAL_RE.exec(text.trim());
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) {
    throw new Error(`not a decimal number: ${JSON.stringify(text)}`);
  }
  const intPart = m[2] ?? '';
  const fracPart = m[3] ?? '';
  const exp = Number(m[4] ?? '0') - fracPart.length;
  let digits = (intPart + fracPart).replace(/^0+/, '');
  if (digits === '') digits = '0';
  return normalize({ negative: m[1] === '-', digits, exponent: exp });
}

function normalize(p: DecimalParts): DecimalParts {
  if (/^0+$/.test(p.digits)) return { negative: false, digits: '0', exponent: 0 };
  return p;
}

/** Plain notation (never an exponent) with exactly `scale` fractional digits, or minimal when scale is undefined. */
export function formatDecimal(p: DecimalParts, scale?: number): string {
  let { digits, exponent } = p;
  if (scale === undefined) {
    // Trim trailing zeros that sit in the fractional part or can be absorbed into the exponent.
    while (digits.length > 1 && digits.endsWith('0')) {
      digits = digits.slice(0, -1);
      exponent += 1;
    }
    if (digits === '0') return '0';
    scale = Math.max(0, -exponent);
  }
  // Bring to the requested scale: value = digits * 10^exponent = D * 10^-scale.
  let body: string;
  const shift = exponent + scale;
  if (shift >= 0) body = digits + '0'.repeat(shift);
  else body = digits.slice(0, digits.length + shift) || '0'; // caller rounded already; slicing is exact here
  body = body.replace(/^0+(?=\d)/, '');
  if (scale > 0) {
    body = body.padStart(scale + 1, '0');
    body = `${body.slice(0, body.length - scale)}.${body.slice(body.length - scale)}`;
  }
  const isZero = /^[0.]+$/.test(body);
  return p.negative && !isZero ? `-${body}` : body;
}

type RoundMode = 'half-away' | 'half-even';

/** Round to `scale` fractional digits (negative scale rounds to tens, hundreds, ...). */
export function roundToScale(p: DecimalParts, scale: number, mode: RoundMode): DecimalParts {
  const drop = -scale - p.exponent; // digits to remove from the right
  if (drop <= 0) return p;
  const { digits } = p;
  if (drop > digits.length) {
    // Everything is dropped; the first dropped digit is an implied leading zero, so the result is zero
    // (rounding up would need the first dropped digit >= 5).
    return { negative: false, digits: '0', exponent: 0 };
  }
  const kept = digits.slice(0, digits.length - drop) || '0';
  const first = Number(digits[digits.length - drop]);
  const rest = digits.slice(digits.length - drop + 1);
  const restNonZero = /[1-9]/.test(rest);
  let up: boolean;
  if (first > 5 || (first === 5 && restNonZero)) up = true;
  else if (first < 5) up = false;
  else up = mode === 'half-away' ? true : Number(kept[kept.length - 1]) % 2 === 1; // exact tie
  let result = kept;
  if (up) result = (BigInt(kept) + 1n).toString();
  return normalize({ negative: p.negative, digits: result.replace(/^0+(?=\d)/, ''), exponent: p.exponent + drop });
}

/** Position of the most significant digit: floor(log10(|value|)). Value must be non-zero. */
export function magnitude(p: DecimalParts): number {
  return p.digits.length - 1 + p.exponent;
}

/** Round to `significant` digits. */
export function roundSignificant(p: DecimalParts, significant: number, mode: RoundMode): DecimalParts {
  if (p.digits === '0') return p;
  return roundToScale(p, significant - 1 - magnitude(p), mode);
}

/** The exact decimal value of a finite double, with no rounding at all. */
export function exactDouble(x: number): DecimalParts {
  if (!Number.isFinite(x)) throw new Error(`not a finite number: ${x}`);
  if (x === 0) return { negative: false, digits: '0', exponent: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const negative = bits >> 63n === 1n;
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const exp2 = (biased === 0 ? 1 : biased) - 1075;
  if (exp2 >= 0) return normalize({ negative, digits: (mantissa << BigInt(exp2)).toString(), exponent: 0 });
  // m * 2^-k = m * 5^k / 10^k
  const k = -exp2;
  return normalize({ negative, digits: (mantissa * 5n ** BigInt(k)).toString(), exponent: -k });
}
