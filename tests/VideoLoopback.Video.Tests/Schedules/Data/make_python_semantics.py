"""Regenerates python_semantics.json: expected results of schedule expressions computed by CPython 3.11
in the original extension's environment (math names unqualified, image_i/loop_i 1-based).
Run: python3 make_python_semantics.py > python_semantics.json"""
import json, math, sys

CASES = [
    # arithmetic: true division, floor division and modulo with negative operands, powers
    ("7 / 2", 1, 1), ("-7 // 2", 1, 1), ("7 // -2", 1, 1), ("-7 % 3", 1, 1), ("7 % -3", 1, 1),
    ("-7.5 // 2", 1, 1), ("7.5 % -2", 1, 1), ("-0.0 % 5", 1, 1), ("5.0 // 0.1", 1, 1), ("-1e-300 % 1e300", 1, 1),
    ("2 ** 100", 1, 1), ("2 ** -2", 1, 1), ("(-2) ** 3", 1, 1), ("-2 ** 2", 1, 1), ("2 ** 3 ** 2", 1, 1), ("2.0 ** 0.5", 1, 1),
    ("10 ** 20 // 3", 1, 1), ("True + True", 1, 1), ("True * 2.5", 1, 1), ("~image_i", 3, 1), ("image_i << 4 | 1", 2, 1),
    ("6 & 3 ^ 1", 1, 1), ("2**64 + 1", 1, 1), ("(2**53 + 1) / 1", 1, 1), ("1e308 * 10", 1, 1), ("0.1 + 0.2", 1, 1),
    ("1 / 3", 1, 1), ("2 / 3 * 3", 1, 1), ("-(-image_i)", 4, 2), ("+image_i", 4, 2),
    # comparisons, chains, identity, membership
    ("1 < image_i <= 3", 2, 1), ("1 < image_i <= 3", 4, 1), ("1 == 1.0", 1, 1), ("1 == True", 1, 1), ("'a' < 'b' < 'ba'", 1, 1),
    ("[1, 2] < [1, 3]", 1, 1), ("(1, 2) == (1, 2.0)", 1, 1), ("2**60 == 2.0**60", 1, 1), ("2**60 + 1 > 2.0**60", 1, 1),
    ("nan == nan", 1, 1), ("nan != nan", 1, 1), ("inf > 10**400", 1, 1), ("None is None", 1, 1), ("image_i is not None", 1, 1),
    ("image_i in range(2, 5)", 3, 1), ("image_i in range(2, 5)", 5, 1), ("3.0 in range(5)", 1, 1), ("'b' in 'abc'", 1, 1),
    ("'x' not in 'abc'", 1, 1), ("1.0 in {1, 2}", 1, 1), ("(1, 2) in [(1, 2)]", 1, 1), ("image_i in {1: 'a', 2: 'b'}", 2, 1),
    ("{1, 2} < {1, 2, 3}", 1, 1),
    # boolean operators return operands, short-circuit
    ("0 or 'x'", 1, 1), ("'' or []", 1, 1), ("1 and 2", 1, 1), ("0 and undefined_name", 1, 1), ("1 or undefined_name", 1, 1),
    ("not []", 1, 1), ("not image_i", 1, 1), ("image_i > 2 and 'big' or 'small'", 3, 1), ("image_i > 2 and 'big' or 'small'", 1, 1),
    ("[] and 1", 1, 1), ("None or 0.0", 1, 1),
    # conditionals
    ("'a' if image_i > 1 else 'b' if loop_i > 1 else 'c'", 1, 2), ("('a' if image_i > 1 else 'b') * 2", 2, 1),
    ("undefined_name if False else 5", 1, 1), ("lambda x: x if x else 0", 1, 1),
    # containers, indexing, slicing
    ("[1, 2, 3][-1]", 1, 1), ("(1, 2, 3)[image_i % 3]", 2, 1), ("'abcdef'[1:4]", 1, 1), ("'abcdef'[::-1]", 1, 1),
    ("[0, 1, 2, 3, 4, 5][1:-1:2]", 1, 1), ("[0, 1, 2, 3, 4, 5][-2:]", 1, 1), ("[0, 1, 2, 3, 4, 5][10:]", 1, 1),
    ("[0, 1, 2, 3, 4, 5][::-2]", 1, 1), ("(1, 2, 3)[5:0:-1]", 1, 1), ("'abc'[-10:10]", 1, 1),
    ("{1: 'one', 2: 'two'}[image_i]", 2, 1), ("{}", 1, 1), ("{1, 2, 2, 3}", 1, 1), ("set()", 1, 1), ("(1,)", 1, 1), ("()", 1, 1),
    ("1, 2", 1, 1), ("[1, 2] + [3]", 1, 1), ("(1,) * 3", 1, 1), ("[0] * -1", 1, 1), ("[[1, 2], [3]][0][1]", 1, 1),
    ("len([1, 2, 3]) + len('ab') + len({1: 2}) + len(range(0, 10, 3))", 1, 1), ("list(range(5, 0, -2))", 1, 1),
    ("tuple('ab')", 1, 1), ("sorted([3, 1, 2], reverse=True)", 1, 1), ("sorted({3, 1, 2})", 1, 1), ("list({1: 2, 3: 4})", 1, 1),
    ("range(3)", 1, 1), ("range(1, 10, 2)[2]", 1, 1), ("[1, 2, 3][True]", 1, 1),
    # strings and f-strings
    ("'it''s'", 1, 1), ("\"it's\"", 1, 1), ("'a\\tb\\n'", 1, 1), ("r'a\\tb'", 1, 1), ("'\\x41\\u00e9\\101'", 1, 1), ("'ab' 'cd'", 1, 1),
    ("f'{image_i}' 'x' f'{loop_i}'", 2, 3), ("f'{{literal}} {image_i}'", 1, 1), ("f'{image_i!r} {\"s\"!r} {\"s\"}'", 1, 1),
    ("f'{image_i:>5}|{image_i:<5}|{image_i:^5}|{image_i:*^6}'", 7, 1), ("f'{image_i:+d} {-image_i:+d} {image_i: d}'", 7, 1),
    ("f'{image_i:05d} {-image_i:05d} {image_i:x} {image_i:#x} {image_i:#b} {image_i:o} {255:X}'", 42, 1),
    ("f'{1234567:,} {1234567:_} {1234567.891:,.2f}'", 1, 1), ("f'{image_i/7:.3f} {image_i/7:.0f} {2.5:.0f} {3.5:.0f} {0.125:.2f}'", 5, 1),
    ("f'{image_i/7:e} {image_i*1e10:.2E} {1e-7:g} {123456789.0:g} {0.0001:g} {100000.0:g} {1e6:g}'", 5, 1),
    ("f'{image_i/7:.3g} {1/3:.10} {2.0:.3} {1e20:.3} {123.0:.2}'", 5, 1), ("f'{0.5:%} {0.123456:.1%}'", 1, 1),
    ("f'{image_i/3}'", 1, 1), ("f'{[1, 2.5, \"x\"]}'", 1, 1), ("f'{\"ab\":>4}{\"ab\":.1}'", 1, 1), ("f'{image_i:{loop_i}d}'", 3, 4),
    ("f'{image_i:08.3f}'", 3, 1), ("f'{-0.0} {-0.0:.1f} {1e16} {1e-5} {123456789012345678.0}'", 1, 1), ("f'{True} {None} {True:d}'", 1, 1),
    ("f'{image_i:=^9.2f}'", 3, 1), ("f'{2**70:,}'", 1, 1), ("f'{float(\"inf\"):f} {float(\"nan\"):F}'", 1, 1),
    ("'a' * 3 + 'b' * 0", 1, 1), ("str(1.0) + str(10**20) + str(1e20) + str([1, '2']) + str((1,)) + str(None)", 1, 1),
    ("repr('x') + repr(\"it's\")", 1, 1), ("format(0.5, '.2f') + format(7, '03')", 1, 1), ("'%d' if False else 'ok'", 1, 1),
    # builtins
    ("int(3.9) + int(-3.9) + int('12') + int(' -7 ') + int(True)", 1, 1), ("int('ff', 16) + int('0x1f', 0) + int('1_000')", 1, 1),
    ("float('1.5') + float(' -2 ') + float(3)", 1, 1), ("float('inf')", 1, 1), ("float('-nan')", 1, 1), ("float('1e3')", 1, 1),
    ("str(image_i) + str(0.1)", 1, 1), ("bool(0.0) or bool('x')", 1, 1),
    ("round(0.5) + round(1.5) + round(2.5) + round(-0.5) + round(-1.5)", 1, 1), ("round(2.675, 2)", 1, 1), ("round(0.125, 2)", 1, 1),
    ("round(0.375, 2)", 1, 1), ("round(-2.5)", 1, 1), ("round(1234.5678, -2)", 1, 1), ("round(1250, -2) + round(1350, -2)", 1, 1),
    ("round(5, 2)", 1, 1), ("round(1e300, 2)", 1, 1), ("round(image_i / 3, 3)", 2, 1), ("round(-0.04, 1)", 1, 1), ("round(7.0)", 1, 1),
    ("min(3, 1.5, 2)", 1, 1), ("max([1, 5, 3])", 1, 1), ("max('abc')", 1, 1), ("min([], default=7)", 1, 1), ("max(1, 1.0)", 1, 1),
    ("abs(-3) + abs(-2.5) + abs(True)", 1, 1), ("sum([0.1] * 10)", 1, 1), ("sum([1, 2], 10)", 1, 1), ("sum(range(101))", 1, 1),
    ("divmod(-7, 2)", 1, 1), ("divmod(7.5, -2)", 1, 1), ("any([0, '', 3])", 1, 1), ("all([])", 1, 1), ("chr(65) + str(ord('a'))", 1, 1),
    ("sorted(set([3, 3, 1]))", 1, 1),
    # math, as bare names (math.__dict__), incl. math.pow shadowing the builtin pow
    ("pow(2, 3)", 1, 1), ("sqrt(image_i)", 2, 1), ("floor(-2.5) + ceil(-2.5) + trunc(-2.5)", 1, 1), ("floor(7)", 1, 1),
    ("exp(1) == e", 1, 1), ("log(8, 2)", 1, 1), ("log(100, 10)", 1, 1), ("log2(1024) + log10(1000)", 1, 1), ("log(10**400)", 1, 1), ("log10(10**400) + log2(2**2000)", 1, 1), ("log(2**1000)", 1, 1),
    ("atan2(1, -1) + asin(0.5) + acos(0.5) + atan(1)", 1, 1), ("sinh(1) + cosh(1) + tanh(1)", 1, 1),
    ("asinh(1) + acosh(2) + atanh(0.5)", 1, 1), ("degrees(1) + radians(90)", 1, 1), ("hypot(3, 4) + hypot(1.5, 2.5)", 1, 1),
    ("hypot(1, 2, 2)", 1, 1), ("fmod(-7, 3) + fmod(7, -3)", 1, 1), ("copysign(2, -0.0)", 1, 1), ("remainder(7, 2)", 1, 1),
    ("factorial(20)", 1, 1), ("gcd(12, 18) + lcm(4, 6)", 1, 1), ("isqrt(99)", 1, 1), ("comb(10, 3) + perm(5, 2)", 1, 1),
    ("modf(-2.5)", 1, 1), ("frexp(8.0)", 1, 1), ("ldexp(0.5, 4)", 1, 1), ("isclose(0.1 + 0.2, 0.3)", 1, 1), ("isnan(nan) and isinf(-inf)", 1, 1),
    ("isfinite(1e308)", 1, 1), ("tau / pi", 1, 1), ("prod([1, 2, 3.5])", 1, 1), ("cbrt(27) + exp2(3)", 1, 1), ("fabs(-3)", 1, 1),
    ("sin(pi * image_i / 90) * cos(loop_i)", 17, 3), ("tan(1e22)", 1, 1),
    # lambdas (pure)
    ("(lambda x, y: x * y)(image_i, loop_i)", 3, 4), ("(lambda: 5)()", 1, 1), ("(lambda x: lambda y: x - y)(image_i)(loop_i)", 3, 4),
    ("(lambda image_i: image_i * 2)(10) + image_i", 1, 1),
    # errors (type recorded as the Python exception name)
    ("1 / 0", 1, 1), ("1 // 0", 1, 1), ("1 % 0.0", 1, 1), ("1.0 / 0", 1, 1), ("undefined_name", 1, 1), ("[1, 2][5]", 1, 1),
    ("{1: 2}[3]", 1, 1), ("'a' + 1", 1, 1), ("1 + 'a'", 1, 1), ("'a' < 1", 1, 1), ("len(5)", 1, 1), ("int('x')", 1, 1),
    ("sqrt(-1)", 1, 1), ("log(0)", 1, 1), ("exp(1000)", 1, 1), ("factorial(-1)", 1, 1), ("factorial(2.0)", 1, 1),
    ("0 ** -1", 1, 1), ("0.0 ** -1", 1, 1), ("int(inf)", 1, 1), ("int(nan)", 1, 1), ("round(inf)", 1, 1), ("[[1]] in {1}", 1, 1),
    ("{[1]: 2}", 1, 1), ("max([])", 1, 1), ("5()", 1, 1), ("(lambda x: x)()", 1, 1), ("f'{image_i:.2d}'", 1, 1), ("f'{\"x\":d}'", 1, 1),
    ("f'{1.5:d}'", 1, 1), ("[1][1.0]", 1, 1), ("range(0, 5, 0)", 1, 1), ("1 << -1", 1, 1), ("pow(0, -1)", 1, 1), ("fmod(1, 0)", 1, 1),
    ("asin(2)", 1, 1), ("divmod(1, 0)", 1, 1), ("'abc'[10]", 1, 1), ("None + 1", 1, 1), ("-'a'", 1, 1), ("[1, 2][::0]", 1, 1),
    ("math.sin(1)", 1, 1), ("sorted([1, 'a'])", 1, 1), ("min(1, 'a')", 1, 1), ("10 ** 400 * 1.0", 1, 1),
]

env = dict(**math.__dict__)
out = []
for expr, image_i, loop_i in CASES:
    env.update({'image_i': image_i, 'loop_i': loop_i})
    case = {"expr": expr, "image_i": image_i, "loop_i": loop_i}
    try:
        value = eval(expr, env)
        case["type"] = type(value).__name__
        case["repr"] = None if callable(value) else repr(value)
    except Exception as error:  # the exception's class name is what must match
        case["type"] = "error"
        case["error"] = type(error).__name__
        case["message"] = str(error)
    out.append(case)
json.dump({"python": sys.version.split()[0], "cases": out}, sys.stdout, indent=1, ensure_ascii=False)
print()
