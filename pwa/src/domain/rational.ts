// Exact fractions for the scoring engine (like Python's Fraction), and the two ways the server
// writes them in a result: _num (an int when whole, else the float) and _share (4 decimals).


function gcd(a: bigint, b: bigint): bigint {
  a = a < 0n ? -a : a
  b = b < 0n ? -b : b
  while (b !== 0n) [a, b] = [b, a % b]
  return a
}

/** A normalised fraction: the denominator is positive and coprime with the numerator. */
export class Rational {
  readonly n: bigint
  readonly d: bigint

  constructor(n: bigint, d: bigint = 1n) {
    if (d === 0n) throw new RangeError('zero denominator')
    if (d < 0n) {
      n = -n
      d = -d
    }
    const g = gcd(n, d) || 1n
    this.n = n / g
    this.d = d / g
  }

  static readonly ZERO = new Rational(0n)

  static of(value: number): Rational {
    return new Rational(BigInt(value))
  }

  /** Exact value of a decimal literal such as "0.8", "2.5" or "1e-3" (like Fraction(Decimal(s))). */
  static parse(text: string): Rational {
    const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim())
    if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new RangeError(`not a decimal: ${text}`)
    const frac = m[3] ?? ''
    let n = BigInt((m[2] || '0') + frac)
    let d = 10n ** BigInt(frac.length)
    const exp = Number(m[4] ?? '0')
    if (exp >= 0) n *= 10n ** BigInt(exp)
    else d *= 10n ** BigInt(-exp)
    return new Rational(m[1] === '-' ? -n : n, d)
  }

  add(o: Rational): Rational {
    return new Rational(this.n * o.d + o.n * this.d, this.d * o.d)
  }

  sub(o: Rational): Rational {
    return new Rational(this.n * o.d - o.n * this.d, this.d * o.d)
  }

  mul(o: Rational): Rational {
    return new Rational(this.n * o.n, this.d * o.d)
  }

  div(o: Rational): Rational {
    return new Rational(this.n * o.d, this.d * o.n)
  }

  cmp(o: Rational): number {
    const diff = this.n * o.d - o.n * this.d
    return diff < 0n ? -1 : diff > 0n ? 1 : 0
  }

  isZero(): boolean {
    return this.n === 0n
  }

  ceil(): bigint {
    const q = this.n / this.d // truncates toward zero
    return this.n > 0n && q * this.d !== this.n ? q + 1n : q
  }

  /** The nearest double (like float(Fraction)), exact for the small values checklists use. */
  toNumber(): number {
    return Number(this.n) / Number(this.d)
  }
}

export function maxRational(a: Rational, b: Rational): Rational {
  return a.cmp(b) >= 0 ? a : b
}

export function sumRational(values: Iterable<Rational>): Rational {
  let total = Rational.ZERO
  for (const v of values) total = total.add(v)
  return total
}

/** Python's _num: an int when whole, else the float. */
export function num(value: Rational): number {
  return value.d === 1n ? Number(value.n) : value.toNumber()
}

/** Python's f"{float(n / d):.4f}": round the double half-to-even at 4 decimals. */
export function share(numerator: Rational, denominator: Rational): string | null {
  if (denominator.isZero()) return null
  const x = new Rational(numerator.n * denominator.d, numerator.d * denominator.n).toNumber()
  // toFixed rounds exact ties up; Python rounds them to even. A double is an exact tie at 4
  // decimals only when x * 32 is an odd integer.
  const x32 = x * 32
  if (Number.isInteger(x32) && Math.abs(x32) % 2 === 1) {
    const scaled = x * 10000 // exact: k + 0.5
    let k = Math.floor(scaled)
    if (k % 2 !== 0) k += 1
    return (k / 10000).toFixed(4)
  }
  return x.toFixed(4)
}
