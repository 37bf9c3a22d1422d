namespace Cadenza.Music.Abc;

/// <summary>
/// An exact fraction (of a whole note, for ABC lengths). Arithmetic is checked: an overflow throws
/// <see cref="OverflowException"/>, which the parser turns into a <see cref="MusicFormatException"/>.
/// </summary>
internal readonly struct Rational : IEquatable<Rational>, IComparable<Rational>
{
    public readonly long Num;
    public readonly long Den;

    public Rational(long num, long den)
    {
        if (den == 0) throw new DivideByZeroException("zero denominator");
        if (den < 0) { num = checked(-num); den = checked(-den); }
        long g = Gcd(Math.Abs(num), den);
        if (g > 1) { num /= g; den /= g; }
        Num = num;
        Den = den == 0 ? 1 : den;
    }

    public static Rational Zero => new(0, 1);
    public static Rational One => new(1, 1);

    public static long Gcd(long a, long b)
    {
        while (b != 0) (a, b) = (b, a % b);
        return a == 0 ? 1 : a;
    }

    public static Rational operator +(Rational a, Rational b)
    {
        long g = Gcd(a.Den, b.Den);
        long den = checked(a.Den / g * b.Den);
        return new Rational(checked(a.Num * (b.Den / g) + b.Num * (a.Den / g)), den);
    }

    public static Rational operator -(Rational a, Rational b) => a + new Rational(checked(-b.Num), b.Den);

    public static Rational operator *(Rational a, Rational b)
    {
        long g1 = Gcd(Math.Abs(a.Num), b.Den), g2 = Gcd(Math.Abs(b.Num), a.Den);
        return new Rational(checked((a.Num / g1) * (b.Num / g2)), checked((a.Den / g2) * (b.Den / g1)));
    }

    public static Rational operator /(Rational a, Rational b) => a * new Rational(b.Den, b.Num);

    public static bool operator <(Rational a, Rational b) => a.CompareTo(b) < 0;
    public static bool operator >(Rational a, Rational b) => a.CompareTo(b) > 0;
    public static bool operator <=(Rational a, Rational b) => a.CompareTo(b) <= 0;
    public static bool operator >=(Rational a, Rational b) => a.CompareTo(b) >= 0;
    public static bool operator ==(Rational a, Rational b) => a.Equals(b);
    public static bool operator !=(Rational a, Rational b) => !a.Equals(b);

    public bool IsZero => Num == 0;
    public bool IsPositive => Num > 0;

    public int CompareTo(Rational other) => ((Int128)Num * other.Den).CompareTo((Int128)other.Num * Den);
    public bool Equals(Rational other) => Num == other.Num && Den == other.Den;
    public override bool Equals(object? obj) => obj is Rational r && Equals(r);
    public override int GetHashCode() => HashCode.Combine(Num, Den);
    public override string ToString() => Den == 1 ? Num.ToString() : $"{Num}/{Den}";

    /// <summary>Rounds this many whole notes to ticks (half away from zero).</summary>
    public long ToTicks(long ticksPerWhole)
    {
        Int128 n = (Int128)Num * ticksPerWhole;
        Int128 q = n / Den, r = n % Den;
        if (r * 2 >= Den) q += 1;
        if (q > long.MaxValue / 4) throw new OverflowException("time too large");
        return (long)q;
    }

    /// <summary>True when the denominator is a power of two.</summary>
    public bool IsDyadic => (Den & (Den - 1)) == 0;
}
