"""Callable functions: arithmetic, number theory, algebra, geometry, statistics, probability.

Every implementation computes the real result; see :mod:`toolfoundry.synth.fnspec` for the helpers.
"""

from __future__ import annotations

import math
import statistics as st
from fractions import Fraction

from toolfoundry.synth import surface as sf
from toolfoundry.synth.fnspec import (
    BOOL,
    CUSTOM,
    ENUM,
    INT,
    LEN,
    NUM,
    NUMS,
    PCT,
    POINT,
    PROB,
    Registry,
    Weak,
    bad,
    opt,
    req,
)

ARITH = Registry("arithmetic", "math")
NT = Registry("number_theory", "math")
ALG = Registry("algebra", "algebra")
GEO = Registry("geometry", "geometry")
STATS = Registry("statistics", "stats")
PROBA = Registry("probability", "probability")

_NUMBERS = ("numbers", "values", "data", "nums")

# --------------------------------------------------------------------------------------------------
# arithmetic
# --------------------------------------------------------------------------------------------------

ARITH("factorial", "calculate", "Calculate the factorial of a non-negative integer", "the factorial n!", "factorial",
      [req("n", INT(0, 30), "The non-negative integer whose factorial is computed.", names=("number", "num"),
           limit=170)],
      lambda n: math.factorial(n),
      ["What is the factorial of {n}?", "Compute {n:d}!", "{n} factorial", "{lead} {verb} the factorial of {n}?",
       "In how many different orders can {n} runners finish a race?",
       "How many ways can I arrange {n} distinct books on a shelf?"],
      weak=Weak(limits={"n": 20}, note="Only supports n up to 20."))

ARITH("square_root", "calculate", "Return the square root of a non-negative number", "the square root", "square root",
      [req("number", NUM(0, 10000, decimals=2), "The number to take the square root of (must be non-negative).",
           names=("x", "value"))],
      lambda number: math.sqrt(number) if number >= 0 else bad("number", "is negative", "a number >= 0"),
      ["What is the square root of {number}?", "sqrt of {number}", "{lead} {verb} the square root of {number}?",
       "A square garden has an area of {number} square meters. How long is each side?"])

ARITH("nth_root", "calculate", "Compute the n-th root of a number", "the real n-th root", "n-th root",
      [req("number", NUM(0, 100000, decimals=2), "The radicand.", names=("x", "value")),
       req("degree", INT(2, 7), "Which root to take (2 = square root, 3 = cube root).", names=("n", "root"))],
      lambda number, degree: number ** (1 / degree),
      ["What is the {degree}-th root of {number}?", "Find root number {degree} of {number}.",
       "{lead} {verb} the root of degree {degree} of {number}?", "nth root: n = {degree}, x = {number}"])

ARITH("logarithm", "calculate", "Compute the logarithm of a positive number", "the logarithm", "logarithm",
      [req("value", NUM(1, 100000, decimals=2), "The positive number.", names=("x", "number")),
       opt("base", NUM(2, 16, decimals=1, whole=0.9), "The logarithm base.", default=10,
           say=("in base {v}", "with base {v}", "base {v}"))],
      lambda value, base=10: math.log(value, base) if value > 0 and base > 0 and base != 1 else bad(
          "base", f"log of {value} in base {base} is undefined", "value > 0 and a base > 0, not 1"),
      ["What is the logarithm of {value}?", "{lead} {verb} log of {value}?", "log({value:d})",
       "Take the log of {value}."],
      weak=Weak(note="Base 10 only."))

ARITH("power", "calculate", "Raise a base to an exponent", "base ** exponent", "power",
      [req("base", NUM(-20, 50, decimals=1, whole=0.8), "The base."),
       req("exponent", NUM(-3, 12, decimals=1, whole=0.85), "The exponent.", names=("exp", "power"))],
      lambda base, exponent: base ** exponent if not (base < 0 and not float(exponent).is_integer()) and not (
          base == 0 and exponent < 0) else bad("exponent", f"{base} ** {exponent} is not a real number",
                                               "a whole exponent for a negative base"),
      ["What is {base} to the power of {exponent}?", "{base:d}^{exponent:d}", "Raise {base} to the power {exponent}.",
       "{lead} {verb} {base} raised to {exponent}?"],
      where=lambda a: not (a["base"] < 0 and not float(a["exponent"]).is_integer()) and not (
          a["base"] == 0 and a["exponent"] < 0))

ARITH("combinations", "calculate", "Count the ways to choose k items from n without regard to order",
      "the binomial coefficient C(n, k)", "number of combinations",
      [req("n", INT(1, 50), "Total number of items.", names=("total",)),
       req("k", INT(0, 20), "Number of items chosen.", names=("choose", "r"))],
      lambda n, k: math.comb(n, k) if k <= n else bad("k", f"{k} is larger than n = {n}", "k <= n"),
      ["How many ways can I choose {k} items out of {n}?", "{n:d} choose {k:d}", "C({n:d}, {k:d})",
       "A committee of {k} is picked from {n} people. How many different committees are possible?",
       "{lead} {verb} the number of combinations of {n} things taken {k} at a time?"],
      where=lambda a: a["k"] <= a["n"])

ARITH("permutations", "calculate", "Count the ordered arrangements of k items chosen from n", "P(n, k)",
      "number of permutations",
      [req("n", INT(1, 30), "Total number of items.", names=("total",)),
       req("k", INT(0, 10), "Number of positions to fill.", names=("r",))],
      lambda n, k: math.perm(n, k) if k <= n else bad("k", f"{k} is larger than n = {n}", "k <= n"),
      ["How many ordered arrangements of {k} out of {n} items are there?", "P({n:d}, {k:d})",
       "In a race of {n} runners, in how many ways can the top {k} places be filled?",
       "{lead} {verb} the permutations of {n} items taken {k} at a time?"],
      where=lambda a: a["k"] <= a["n"])

ARITH("percentage_of", "calculate", "Compute a percentage of a value", "the part", "percentage of a value",
      [req("percent", PCT(1, 100, step=0.5, rate=False), "The percentage, e.g. 15 for 15%.", names=("percentage",)),
       req("value", NUM(10, 5000, decimals=2), "The whole amount.", names=("total", "number"))],
      lambda percent, value: value * percent / 100,
      ["What is {percent} of {value}?", "{lead} {verb} {percent} of {value}?", "How much is {percent} of {value}?",
       "Find {percent} of {value}."])

ARITH("percentage_change", "calculate", "Compute the percentage change from an old value to a new one",
      "the change in percent", "percentage change",
      [req("old_value", NUM(1, 10000, decimals=2), "The starting value.", names=("initial", "from_value")),
       req("new_value", NUM(0, 10000, decimals=2), "The final value.", names=("final", "to_value"))],
      lambda old_value, new_value: {"change": new_value - old_value,
                                    "percent_change": (new_value - old_value) / old_value * 100}
      if old_value else bad("old_value", "is 0", "a non-zero starting value"),
      ["What is the percentage change from {old_value} to {new_value}?",
       "A price went from {old_value} to {new_value}. By what percent did it change?",
       "{lead} {verb} the percent change between {old_value} and {new_value}?"])

ARITH("round_number", "", "Round a number to a given number of decimal places", "the rounded number", "rounded value",
      [req("number", NUM(0, 10000, decimals=5, whole=0), "The number to round.", names=("value", "x")),
       opt("decimals", INT(0, 4), "Decimal places to keep.", default=0,
           say=("to {v} decimal places", "to {v} decimals", "keeping {v} decimal places"),
           names=("ndigits", "places"))],
      lambda number, decimals=0: round(number, decimals),
      ["Round {number}.", "{lead} round {number}?", "What is {number} rounded?"])

ARITH("arithmetic_series_sum", "calculate", "Sum the first terms of an arithmetic progression", "the sum",
      "sum of an arithmetic series",
      [req("first_term", INT(-20, 50), "The first term a1.", names=("a1", "start")),
       req("common_difference", INT(-10, 20), "The difference between consecutive terms.", names=("d", "difference")),
       req("num_terms", INT(1, 100), "How many terms to add.", names=("n", "terms"))],
      lambda first_term, common_difference, num_terms:
      num_terms * (2 * first_term + (num_terms - 1) * common_difference) / 2,
      ["What is the sum of the first {num_terms} terms of an arithmetic sequence starting at {first_term} with common "
       "difference {common_difference}?",
       "Add up {num_terms} terms of the arithmetic series a1 = {first_term:d}, d = {common_difference:d}.",
       "You save {first_term} dollars in week one and {common_difference} more each week. How much have you saved "
       "after {num_terms} weeks?"])

ARITH("geometric_series_sum", "calculate", "Sum the first terms of a geometric progression", "the sum",
      "sum of a geometric series",
      [req("first_term", NUM(1, 100, decimals=1, whole=0.8), "The first term.", names=("a", "start")),
       req("ratio", NUM(-3, 3, decimals=2, whole=0.4), "The common ratio.", names=("r", "common_ratio")),
       req("num_terms", INT(1, 20), "How many terms to add.", names=("n", "terms"))],
      lambda first_term, ratio, num_terms: first_term * num_terms if ratio == 1 else
      first_term * (1 - ratio ** num_terms) / (1 - ratio),
      ["Sum the first {num_terms} terms of the geometric series with first term {first_term} and ratio {ratio}.",
       "What is a + ar + ... for a = {first_term:d}, r = {ratio:d} and {num_terms} terms?",
       "{lead} {verb} the geometric series sum: first term {first_term}, ratio {ratio}, {num_terms} terms?"])

_OPS = {"add": ("plus", "+", "added to"), "subtract": ("minus", "-", "take away"),
        "multiply": ("times", "multiplied by", "x", "*"), "divide": ("divided by", "/", "over")}


def _calculator(a, b, operation="add"):
    if operation == "divide" and b == 0:
        bad("b", "division by zero", "a non-zero divisor")
    return {"add": a + b, "subtract": a - b, "multiply": a * b, "divide": a / b if b else 0}[operation]


ARITH("basic_calculator", "", "Perform a basic arithmetic operation on two numbers", "the result", "arithmetic result",
      [req("a", NUM(-1000, 10000, decimals=2), "First operand.", names=("x", "num1")),
       req("b", NUM(-100, 1000, decimals=2), "Second operand.", names=("y", "num2")),
       req("operation", ENUM(list(_OPS), _OPS), "Which operation to apply.", names=("op", "operator"))],
      _calculator,
      ["What is {a} {operation} {b}?", "Calculate {a:d} {operation} {b:d}.", "{a:d} {operation} {b:d} = ?",
       "{lead} work out {a} {operation} {b}?"],
      where=lambda a: not (a["operation"] == "divide" and a["b"] == 0),
      weak=Weak(enums={"operation": ("add", "subtract")}, note="Supports addition and subtraction only."))

def _fraction(f: Fraction) -> dict:
    return {"numerator": f.numerator, "denominator": f.denominator, "fraction": f"{f.numerator}/{f.denominator}"}


ARITH("decimal_to_fraction", "convert", "Convert a decimal number to a simplified fraction",
      "numerator and denominator",
      "fraction",
      [req("value", CUSTOM({"type": "number"}, lambda rng: rng.choice((0.5, 0.25, 0.75, 0.2, 0.125, 0.375, 0.6, 1.5,
                                                                          2.25, 0.05, 0.875, 3.75, 0.4, 0.35)),
                           lambda v, rng: sf.digits(v)), "The decimal to convert.", names=("decimal", "number"))],
      lambda value: _fraction(Fraction(str(value)).limit_denominator(10000)),
      ["Convert {value} to a fraction.", "What is {value} as a fraction?", "{value} as a simplified fraction, please."])

# --------------------------------------------------------------------------------------------------
# number theory
# --------------------------------------------------------------------------------------------------


def _factors(n: int) -> list[int]:
    out, d = [], 2
    while d * d <= n:
        while n % d == 0:
            out.append(d)
            n //= d
        d += 1
    if n > 1:
        out.append(n)
    return out


def _is_prime(n: int) -> bool:
    return n >= 2 and _factors(n) == [n]


NT("gcd", "find", "Find the greatest common divisor of two integers", "the GCD", "greatest common divisor",
   [req("a", INT(2, 600), "First integer.", names=("x", "num1")),
    req("b", INT(2, 600), "Second integer.", names=("y", "num2"))],
   lambda a, b: math.gcd(a, b),
   ["What is the greatest common divisor of {a} and {b}?", "gcd({a:d}, {b:d})", "Find the GCD of {a} and {b}.",
    "What is the largest number that divides both {a} and {b}?",
    "I have {a} red beads and {b} blue beads. What is the largest number of identical bracelets I can make using all "
    "of them?"])

NT("lcm", "find", "Find the least common multiple of two integers", "the LCM", "least common multiple",
   [req("a", INT(2, 60), "First integer.", names=("x", "num1")),
    req("b", INT(2, 60), "Second integer.", names=("y", "num2"))],
   lambda a, b: a * b // math.gcd(a, b),
   ["What is the least common multiple of {a} and {b}?", "lcm({a:d}, {b:d})", "LCM of {a} and {b}?",
    "One bus comes every {a} minutes and another every {b} minutes. If both just left, in how many minutes do they "
    "leave together again?"])

NT("is_prime", "check", "Check whether an integer is a prime number", "true when prime", "primality",
   [req("n", INT(2, 20000), "The integer to test.", names=("number", "num"), limit=10 ** 12)],
   lambda n: {"is_prime": _is_prime(n), "smallest_factor": _factors(n)[0] if n >= 2 else None},
   ["Is {n} a prime number?", "Check if {n} is prime.", "{lead} tell me whether {n} is prime?", "prime test: {n:d}"],
   weak=Weak(limits={"n": 1000}, note="Works for numbers up to 1000."))

NT("prime_factors", "get", "Return the prime factorization of an integer", "the prime factors in ascending order",
   "prime factorization",
   [req("n", INT(2, 100000, round_to=10), "The integer to factor (at least 2).", names=("number",), limit=10 ** 9)],
   lambda n: {"factors": _factors(n)},
   ["What are the prime factors of {n}?", "Factorize {n}.", "Give me the prime factorization of {n}.",
    "{lead} break {n} into prime factors?"],
   weak=Weak(limits={"n": 1000}, note="Inputs up to 1000 only."))

NT("primes_up_to", "list", "List every prime number up to a bound", "the primes in ascending order", "list of primes",
   [req("upper_bound", INT(10, 300), "The largest number to consider.", names=("limit", "n", "max_value"),
        limit=100000)],
   lambda upper_bound: [p for p in range(2, upper_bound + 1) if _is_prime(p)],
   ["List all primes up to {upper_bound}.", "Which numbers below or equal to {upper_bound} are prime?",
    "{lead} give me every prime number less than or equal to {upper_bound}?"],
   weak=Weak(limits={"upper_bound": 100}, note="Bound at most 100."))


def _fib(n: int) -> int:
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


NT("fibonacci", "get", "Return the n-th Fibonacci number (F(0) = 0, F(1) = 1)", "F(n)", "Fibonacci number",
   [req("n", INT(1, 80), "Index in the sequence.", names=("index", "position"), limit=1000)],
   _fib,
   ["What is the {n:o} Fibonacci number?", "fib({n:d})", "{lead} {verb} Fibonacci number {n}?",
    "Give me F({n:d}) of the Fibonacci sequence."],
   weak=Weak(limits={"n": 40}, note="Indices up to 40."))

NT("fibonacci_sequence", "generate", "Generate the first terms of the Fibonacci sequence, starting 0, 1",
   "the list of terms", "Fibonacci sequence",
   [req("count", INT(1, 30), "How many terms.", names=("n", "length", "terms"))],
   lambda count: [_fib(i) for i in range(count)],
   ["List the first {count} Fibonacci numbers.", "Generate {count} terms of the Fibonacci sequence.",
    "{lead} show me the Fibonacci sequence up to {count} terms?"])

NT("is_perfect_square", "check", "Check whether an integer is a perfect square", "true with its root when it is one",
   "perfect square test",
   [req("n", CUSTOM({"type": "integer", "minimum": 0}, lambda rng: rng.choice((rng.randint(1, 300) ** 2,
                                                                            rng.randint(2, 90000))),
                    lambda v, rng: sf.number(v, rng, scaled=False)), "The integer to test.", names=("number",))],
   lambda n: {"is_perfect_square": math.isqrt(n) ** 2 == n, "root": math.isqrt(n) if math.isqrt(n) ** 2 == n else None},
   ["Is {n} a perfect square?", "Check whether {n} is a square number.", "{lead} tell me if {n} is a perfect square?"])

NT("digit_sum", "calculate", "Sum the decimal digits of an integer", "the digit sum", "sum of digits",
   [req("n", INT(10, 10 ** 7), "The integer.", names=("number",))],
   lambda n: sum(int(c) for c in str(abs(n))),
   ["What is the sum of the digits of {n:d}?", "Add up the digits of {n:d}.", "digit sum of {n:d}"])

NT("divisors", "list", "List all positive divisors of an integer", "the divisors in ascending order", "divisors",
   [req("n", INT(2, 5000), "The integer.", names=("number",))],
   lambda n: [d for d in range(1, n + 1) if n % d == 0],
   ["What are the divisors of {n}?", "List every factor of {n}.", "Which numbers divide {n} evenly?"])

NT("collatz_steps", "count", "Count the Collatz steps needed to reach 1", "the number of steps", "Collatz steps",
   [req("n", INT(2, 10000), "The starting integer.", names=("start",))],
   lambda n: (lambda f: f(f, n, 0))(lambda f, x, k: k if x == 1 else f(f, x // 2 if x % 2 == 0 else 3 * x + 1, k + 1)),
   ["How many Collatz steps does {n} take to reach 1?", "Collatz sequence length for {n:d}?",
    "Starting at {n}, how many steps of the 3n+1 rule until we hit 1?"])

NT("modular_exponentiation", "calculate", "Compute (base ** exponent) mod modulus efficiently", "the remainder",
   "modular power",
   [req("base", INT(2, 1000), "The base."), req("exponent", INT(1, 10 ** 6), "The exponent.", names=("exp", "power")),
    req("modulus", INT(2, 10 ** 4), "The modulus.", names=("mod", "m"))],
   lambda base, exponent, modulus: pow(base, exponent, modulus),
   ["What is {base:d}^{exponent:d} mod {modulus:d}?", "Compute {base} to the power {exponent} modulo {modulus}.",
    "pow({base:d}, {exponent:d}, {modulus:d})"])

_BASE_NAMES = {2: ("binary", "base 2"), 8: ("octal", "base 8"), 16: ("hexadecimal", "hex", "base 16"),
               3: ("base 3", "ternary"), 5: ("base 5",), 36: ("base 36",)}
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def _to_base(number: int, base: int = 2) -> str:
    if number == 0:
        return "0"
    out, n = "", abs(number)
    while n:
        n, r = divmod(n, base)
        out = _DIGITS[r] + out
    return ("-" if number < 0 else "") + out


NT("convert_base", "", "Convert a non-negative integer to another base", "the digits in the new base",
   "base conversion",
   [req("number", INT(0, 100000), "The integer to convert.", names=("n", "value")),
    opt("base", ENUM((2, 3, 5, 8, 16, 36), _BASE_NAMES), "Target base.", default=2,
        say=("in {v}", "to {v}", "as {v}"), names=("target_base", "radix"))],
   lambda number, base=2: {"digits": _to_base(number, base), "base": base},
   ["Convert {number:d} to {base}.", "Write {number:d} in binary{!base}.", "What is {number:d} in base 2{!base}?",
    "{lead} convert the decimal number {number:d} to {base}?", "What is {number:d} {base}?"],
   weak=Weak(drop=(), enums={"base": (2, 8, 16)}, note="Bases 2, 8 and 16 only."))

# --------------------------------------------------------------------------------------------------
# algebra
# --------------------------------------------------------------------------------------------------


def _term(c, var: str, first: bool) -> str:
    if c == 0:
        return ""
    sign = ("-" if c < 0 else "") if first else (" - " if c < 0 else " + ")
    mag = abs(c)
    coef = "" if mag == 1 and var else sf.digits(mag)
    return f"{sign}{coef}{var}"


def poly_text(coeffs, var: str = "x") -> str:
    """``[3, 0, -2, 1]`` → ``3x^3 - 2x + 1``."""
    deg = len(coeffs) - 1
    parts = []
    for i, c in enumerate(coeffs):
        p = deg - i
        v = "" if p == 0 else var if p == 1 else f"{var}^{p}"
        t = _term(c, v, not parts)
        if t:
            parts.append(t)
    return "".join(parts) or "0"


def _quadratic(a, b, c):
    if a == 0:
        bad("a", "is 0 (not a quadratic)", "a non-zero leading coefficient")
    d = b * b - 4 * a * c
    if d >= 0:
        r1, r2 = (-b + math.sqrt(d)) / (2 * a), (-b - math.sqrt(d)) / (2 * a)
        return {"discriminant": d, "roots": sorted([r1, r2], reverse=True), "real": True}
    re_, im = -b / (2 * a), math.sqrt(-d) / (2 * abs(a))
    return {"discriminant": d, "roots": [{"real": re_, "imaginary": im}, {"real": re_, "imaginary": -im}],
            "real": False}


_COEF = INT(-12, 12, words=False)
ALG("solve_quadratic", "", "Solve a quadratic equation a*x^2 + b*x + c = 0", "the discriminant and both roots",
    "roots of a quadratic",
    [req("a", _COEF, "Coefficient of x^2 (non-zero)."), req("b", _COEF, "Coefficient of x."),
     req("c", _COEF, "Constant term.")],
    _quadratic,
    [lambda v, r: f"Solve {poly_text([v['a'], v['b'], v['c']])} = 0.",
     lambda v, r: f"What are the roots of {poly_text([v['a'], v['b'], v['c']])}?",
     lambda v, r: f"Find x such that {poly_text([v['a'], v['b'], v['c']])} = 0",
     "Solve the quadratic with a = {a:d}, b = {b:d} and c = {c:d}."],
    where=lambda a: a["a"] != 0)

ALG("solve_linear_equation", "", "Solve the linear equation a*x + b = c for x", "the value of x",
    "solution of a linear equation",
    [req("a", INT(-15, 15, words=False), "Coefficient of x (non-zero)."),
     req("b", INT(-50, 50, words=False), "Constant on the left side."),
     req("c", INT(-100, 100, words=False), "Right-hand side.")],
    lambda a, b, c: (c - b) / a if a else bad("a", "is 0", "a non-zero coefficient"),
    [lambda v, r: f"Solve {poly_text([v['a'], v['b']])} = {v['c']}.",
     lambda v, r: f"What value of x satisfies {poly_text([v['a'], v['b']])} = {v['c']}?",
     "Solve a*x + b = c with a = {a:d}, b = {b:d}, c = {c:d}."],
    where=lambda a: a["a"] != 0)


def _sys_draw(rng):
    while True:
        m = [[rng.randint(-9, 9) for _ in range(2)] for _ in range(2)]
        if m[0][0] * m[1][1] - m[0][1] * m[1][0] != 0:
            return m


def _solve2(coefficients, constants):
    (a, b), (c, d) = coefficients
    det = a * d - b * c
    if det == 0:
        bad("coefficients", "the system has no unique solution (determinant 0)", "independent equations")
    e, f = constants
    return {"x": (e * d - b * f) / det, "y": (a * f - e * c) / det}


def _eq2(row, k) -> str:
    """``[2, -3], 7`` → ``2x - 3y = 7``."""
    x = _term(row[0], "x", True)
    return (x + _term(row[1], "y", not x) or "0") + f" = {sf.digits(k)}"


ALG("solve_linear_system", "", "Solve a system of two linear equations in x and y", "x and y",
    "solution of a 2x2 system",
    [req("coefficients", CUSTOM({"type": "array", "items": {"type": "array", "items": {"type": "number"}, "minItems": 2,
                                                            "maxItems": 2}, "minItems": 2, "maxItems": 2},
                                _sys_draw, lambda v, rng: str(v)),
         "Coefficient rows [[a1, b1], [a2, b2]] of a*x + b*y.", names=("matrix", "lhs")),
     req("constants", NUMS(2, 2, -30, 30), "Right-hand sides [c1, c2].", names=("rhs", "b"))],
    _solve2,
    [lambda v, r: f"Solve the system {_eq2(v['coefficients'][0], v['constants'][0])} and "
                  f"{_eq2(v['coefficients'][1], v['constants'][1])}.",
     lambda v, r: f"Find x and y if {_eq2(v['coefficients'][0], v['constants'][0])}, "
                  f"{_eq2(v['coefficients'][1], v['constants'][1])}.",
     "Solve the linear system with coefficient matrix {coefficients} and constants {constants:d}."])

_POLY = NUMS(2, 5, -9, 9, forms=("bracket",))
ALG("evaluate_polynomial", "", "Evaluate a polynomial at a point; coefficients run from the highest power down",
    "the value p(x)", "polynomial value",
    [req("coefficients", _POLY, "Coefficients, highest degree first, e.g. [3, 0, -2] for 3x^2 - 2.", names=("coeffs",)),
     req("x", NUM(-10, 10, decimals=1, whole=0.8), "Where to evaluate.", names=("point", "at"))],
    lambda coefficients, x: sum(c * x ** (len(coefficients) - 1 - i) for i, c in enumerate(coefficients)),
    [lambda v, r: f"Evaluate {poly_text(v['coefficients'])} at x = {sf.digits(v['x'])}.",
     lambda v, r: f"What is p({sf.digits(v['x'])}) for p(x) = {poly_text(v['coefficients'])}?",
     "Evaluate the polynomial with coefficients {coefficients} at x = {x:d}."],
    where=lambda a: a["coefficients"][0] != 0)

ALG("polynomial_derivative", "", "Differentiate a polynomial given by its coefficients (highest power first)",
    "the derivative's coefficients", "derivative of a polynomial",
    [req("coefficients", _POLY, "Coefficients, highest degree first.", names=("coeffs",))],
    lambda coefficients: [c * (len(coefficients) - 1 - i) for i, c in enumerate(coefficients[:-1])] or [0],
    [lambda v, r: f"Differentiate {poly_text(v['coefficients'])}.",
     lambda v, r: f"What is the derivative of f(x) = {poly_text(v['coefficients'])}?",
     "Take the derivative of the polynomial {coefficients}."],
    where=lambda a: a["coefficients"][0] != 0)


def _integral(coefficients, lower, upper):
    n = len(coefficients) - 1
    anti = lambda x: sum(c * x ** (n - i + 1) / (n - i + 1) for i, c in enumerate(coefficients))  # noqa: E731
    return anti(upper) - anti(lower)


ALG("definite_integral", "compute", "Integrate a polynomial between two bounds", "the value of the integral",
    "definite integral",
    [req("coefficients", _POLY, "Polynomial coefficients, highest degree first.", names=("coeffs", "polynomial")),
     req("lower", INT(-5, 3), "Lower bound.", names=("a", "lower_bound")),
     req("upper", INT(0, 8), "Upper bound.", names=("b", "upper_bound"))],
    _integral,
    [lambda v, r: f"Integrate {poly_text(v['coefficients'])} from {v['lower']} to {v['upper']}.",
     lambda v, r: f"What is the integral of {poly_text(v['coefficients'])} dx between x = {v['lower']} and "
                  f"x = {v['upper']}?",
     "Definite integral of the polynomial {coefficients} over [{lower:d}, {upper:d}]."],
    where=lambda a: a["lower"] < a["upper"] and a["coefficients"][0] != 0)

ALG("line_equation", "find", "Find the slope and intercept of the line through two points", "slope and y-intercept",
    "equation of a line",
    [req("point_a", POINT(), "First point {x, y}.", names=("p1", "start")),
     req("point_b", POINT(), "Second point {x, y}.", names=("p2", "end"))],
    lambda point_a, point_b: (lambda m: {"slope": m, "intercept": point_a["y"] - m * point_a["x"]})(
        (point_b["y"] - point_a["y"]) / (point_b["x"] - point_a["x"])) if point_b["x"] != point_a["x"]
    else {"slope": None, "vertical_line_x": point_a["x"]},
    ["Find the equation of the line through {point_a} and {point_b}.",
     "What is the slope of the line between {point_a} and {point_b}?",
     "{lead} give me slope and intercept for points {point_a} and {point_b}?"],
    where=lambda a: a["point_a"]["x"] != a["point_b"]["x"])


def _det(m):
    if len(m) == 2:
        return m[0][0] * m[1][1] - m[0][1] * m[1][0]
    return sum((-1) ** j * m[0][j] * _det([row[:j] + row[j + 1:] for row in m[1:]]) for j in range(len(m)))


def _matrix(n_lo, n_hi):
    def draw(rng):
        n = rng.randint(n_lo, n_hi)
        return [[rng.randint(-9, 9) for _ in range(n)] for _ in range(n)]
    def say(v, rng):
        if rng.random() < 0.6:
            return str(v)
        return "rows " + "; ".join(" ".join(str(x) for x in r) for r in v)

    return CUSTOM({"type": "array", "items": {"type": "array", "items": {"type": "number"}}, "minItems": 1}, draw, say,
                  array=True)


ALG("matrix_determinant", "calculate", "Compute the determinant of a square matrix", "the determinant", "determinant",
    [req("matrix", _matrix(2, 3), "Square matrix as a list of rows.", names=("m", "rows"), limit=3)],
    lambda matrix: _det(matrix) if all(len(r) == len(matrix) for r in matrix) else bad(
        "matrix", "is not square", "n rows of n numbers"),
    ["What is the determinant of {matrix}?", "det({matrix})", "{lead} {verb} the determinant of the matrix {matrix}?"],
    weak=Weak(limits={"matrix": 2}, note="2x2 matrices only."))

ALG("matrix_multiply", "", "Multiply two matrices", "the product matrix", "matrix product",
    [req("matrix_a", _matrix(2, 2), "Left matrix (rows).", names=("a", "left")),
     req("matrix_b", _matrix(2, 2), "Right matrix (rows).", names=("b", "right"))],
    lambda matrix_a, matrix_b: [[sum(matrix_a[i][k] * matrix_b[k][j] for k in range(len(matrix_b)))
                                 for j in range(len(matrix_b[0]))] for i in range(len(matrix_a))]
    if len(matrix_a[0]) == len(matrix_b) else bad("matrix_b", "row count does not match matrix_a's columns",
                                                  "compatible shapes"),
    ["Multiply {matrix_a} by {matrix_b}.", "What is the product of matrices {matrix_a} and {matrix_b}?",
     "Compute A x B with A = {matrix_a} and B = {matrix_b}."])

_VEC3 = NUMS(3, 3, -10, 10, forms=("bracket",))
ALG("dot_product", "calculate", "Compute the dot product of two vectors of equal length", "the scalar product",
    "dot product",
    [req("vector_a", NUMS(2, 5, -10, 10, forms=("bracket",)), "First vector.", names=("a", "v1")),
     req("vector_b", NUMS(2, 5, -10, 10, forms=("bracket",)), "Second vector.", names=("b", "v2"))],
    lambda vector_a, vector_b: sum(x * y for x, y in zip(vector_a, vector_b)) if len(vector_a) == len(vector_b)
    else bad("vector_b", "has a different length", "vectors of equal length"),
    ["What is the dot product of {vector_a} and {vector_b}?", "dot({vector_a}, {vector_b})",
     "{lead} {verb} the inner product of {vector_a} and {vector_b}?"],
    where=lambda a: len(a["vector_a"]) == len(a["vector_b"]))

ALG("cross_product", "calculate", "Compute the cross product of two 3-D vectors", "the vector product",
    "cross product",
    [req("vector_a", _VEC3, "First 3-D vector.", names=("a", "u")),
     req("vector_b", _VEC3, "Second 3-D vector.", names=("b", "v"))],
    lambda vector_a, vector_b: [vector_a[1] * vector_b[2] - vector_a[2] * vector_b[1],
                                vector_a[2] * vector_b[0] - vector_a[0] * vector_b[2],
                                vector_a[0] * vector_b[1] - vector_a[1] * vector_b[0]],
    ["What is the cross product of {vector_a} and {vector_b}?", "Compute {vector_a} x {vector_b}.",
     "{lead} {verb} the vector product of {vector_a} and {vector_b}?"])

ALG("vector_magnitude", "calculate", "Compute the Euclidean length of a vector", "the norm", "vector magnitude",
    [req("vector", NUMS(2, 4, -12, 12, forms=("bracket", "commas")), "The vector components.",
         names=("v", "components"))],
    lambda vector: math.sqrt(sum(x * x for x in vector)),
    ["What is the magnitude of the vector {vector}?", "Length of vector ({vector})?", "Norm of {vector}, please."])

ALG("quadratic_vertex", "find", "Find the vertex of the parabola y = a*x^2 + b*x + c", "the vertex (x, y)",
    "vertex of a parabola",
    [req("a", _COEF, "Coefficient of x^2 (non-zero)."), req("b", _COEF, "Coefficient of x."),
     req("c", _COEF, "Constant term.")],
    lambda a, b, c: (lambda x: {"x": x, "y": a * x * x + b * x + c, "opens": "up" if a > 0 else "down"})(-b / (2 * a))
    if a else bad("a", "is 0", "a non-zero coefficient"),
    [lambda v, r: f"Where is the vertex of y = {poly_text([v['a'], v['b'], v['c']])}?",
     lambda v, r: f"Find the turning point of {poly_text([v['a'], v['b'], v['c']])}.",
     "Vertex of the parabola with a = {a:d}, b = {b:d}, c = {c:d}?"],
    where=lambda a: a["a"] != 0)

ALG("simplify_fraction", "", "Reduce a fraction to lowest terms", "the reduced numerator and denominator",
    "simplified fraction",
    [req("numerator", INT(1, 500, words=False), "The numerator.", names=("num", "top")),
     req("denominator", INT(2, 500, words=False), "The denominator (non-zero).", names=("den", "bottom"))],
    lambda numerator, denominator: (lambda g: {"numerator": numerator // g, "denominator": denominator // g})(
        math.gcd(numerator, denominator)) if denominator else bad("denominator", "is 0", "a non-zero denominator"),
    ["Simplify {numerator}/{denominator}.", "Reduce the fraction {numerator} over {denominator}.",
     "What is {numerator}/{denominator} in lowest terms?"])

ALG("solve_proportion", "solve", "Solve the proportion a / b = c / x for x", "x", "missing term of a proportion",
    [req("a", INT(1, 60), "First numerator."), req("b", INT(1, 60), "First denominator."),
     req("c", INT(1, 200), "Second numerator.")],
    lambda a, b, c: c * b / a if a else bad("a", "is 0", "a non-zero term"),
    ["If {a} is to {b} as {c} is to x, what is x?", "Solve {a:d}/{b:d} = {c:d}/x.",
     "A recipe uses {a} cups of flour for {b} cookies. How many cookies can I make with {c} cups?"])

ALG("exponential_growth", "calculate", "Project a quantity growing at a constant rate per period",
    "the final amount", "exponential growth",
    [req("initial_value", NUM(10, 100000, decimals=1), "Starting amount.", names=("initial", "start_value")),
     req("growth_rate", PCT(0.5, 30, step=0.5), "Growth per period.", names=("rate",)),
     req("periods", INT(1, 50), "Number of periods.", names=("time", "n"))],
    lambda initial_value, growth_rate, periods: initial_value * (1 + growth_rate / 100) ** periods,
    ["A population of {initial_value} grows {growth_rate} per year. How big is it after {periods} years?",
     "Exponential growth from {initial_value} at {growth_rate} for {periods} periods?",
     "{lead} project {initial_value} growing by {growth_rate} each period over {periods} periods?"])

# --------------------------------------------------------------------------------------------------
# geometry
# --------------------------------------------------------------------------------------------------

_R = LEN(0.5, 50)
GEO("circle_area", "calculate", "Calculate the area of a circle from its radius", "the area", "area of a circle",
    [req("radius", _R, "Radius of the circle.", names=("r",))],
    lambda radius: math.pi * radius ** 2,
    ["What is the area of a circle with radius {radius}?", "Area of a circle, r = {radius}",
     "{lead} {verb} the area of a circle whose radius is {radius}?",
     "A round table has a radius of {radius}. How much surface does it have?"])

GEO("circle_circumference", "calculate", "Calculate the circumference of a circle", "the circumference",
    "circumference",
    [req("radius", _R, "Radius of the circle.", names=("r",))],
    lambda radius: 2 * math.pi * radius,
    ["What is the circumference of a circle of radius {radius}?", "Perimeter of a circle with r = {radius}?",
     "How far is it around a circular track with radius {radius}?"])

_SIDE = LEN(1, 100)
GEO("rectangle_area", "calculate", "Calculate the area of a rectangle", "the area", "area of a rectangle",
    [req("length", _SIDE, "Length of the rectangle.", names=("l", "height")),
     req("width", _SIDE, "Width of the rectangle.", names=("w",))],
    lambda length, width: length * width,
    ["What is the area of a rectangle {length} long and {width} wide?", "Area of a {length} by {width} rectangle?",
     "My room is {length} by {width}. What is its floor area?"])

GEO("rectangle_perimeter", "calculate", "Calculate the perimeter of a rectangle", "the perimeter",
    "perimeter of a rectangle",
    [req("length", _SIDE, "Length.", names=("l",)), req("width", _SIDE, "Width.", names=("w",))],
    lambda length, width: 2 * (length + width),
    ["What is the perimeter of a rectangle with length {length} and width {width}?",
     "How much fencing do I need around a {length} by {width} yard?", "Perimeter of a {length} x {width} rectangle."])

GEO("triangle_area", "calculate", "Calculate the area of a triangle from its base and height", "the area",
    "area of a triangle",
    [req("base", _SIDE, "Length of the base.", names=("b",)),
     req("height", _SIDE, "Perpendicular height.", names=("h",))],
    lambda base, height: base * height / 2,
    ["What is the area of a triangle with base {base} and height {height}?",
     "Triangle area: base {base}, height {height}",
     "{lead} {verb} the area of a triangle {base} wide at the base and {height} tall?"])


def _heron(side_a, side_b, side_c):
    s = (side_a + side_b + side_c) / 2
    q = s * (s - side_a) * (s - side_b) * (s - side_c)
    if q <= 0:
        bad("side_c", "the three sides do not form a triangle", "each side shorter than the other two together")
    return math.sqrt(q)


GEO("triangle_area_from_sides", "calculate", "Calculate a triangle's area from its three sides (Heron's formula)",
    "the area", "triangle area from three sides",
    [req("side_a", _SIDE, "First side.", names=("a",)), req("side_b", _SIDE, "Second side.", names=("b",)),
     req("side_c", _SIDE, "Third side.", names=("c",))],
    _heron,
    ["What is the area of a triangle with sides {side_a}, {side_b} and {side_c}?",
     "Use Heron's formula for sides {side_a}, {side_b}, {side_c}.",
     "A triangular plot has sides of {side_a}, {side_b} and {side_c}. What is its area?"],
    where=lambda a: max(a["side_a"], a["side_b"], a["side_c"]) * 2 < a["side_a"] + a["side_b"] + a["side_c"] - 0.01)

GEO("hypotenuse", "calculate", "Calculate the hypotenuse of a right triangle from its two legs", "the hypotenuse",
    "hypotenuse",
    [req("leg_a", _SIDE, "First leg.", names=("a", "side_a")),
     req("leg_b", _SIDE, "Second leg.", names=("b", "side_b"))],
    lambda leg_a, leg_b: math.hypot(leg_a, leg_b),
    ["A right triangle has legs {leg_a} and {leg_b}. How long is the hypotenuse?",
     "Hypotenuse for legs {leg_a} and {leg_b}?",
     "A ladder reaches {leg_b} up a wall with its foot {leg_a} from the wall. How long is the ladder?"])

GEO("sphere_volume", "calculate", "Calculate the volume of a sphere", "the volume", "volume of a sphere",
    [req("radius", _R, "Radius of the sphere.", names=("r",))],
    lambda radius: 4 / 3 * math.pi * radius ** 3,
    ["What is the volume of a sphere with radius {radius}?", "Sphere volume for r = {radius}",
     "How much air fits in a ball of radius {radius}?"])

GEO("sphere_surface_area", "calculate", "Calculate the surface area of a sphere", "the surface area",
    "surface area of a sphere",
    [req("radius", _R, "Radius.", names=("r",))],
    lambda radius: 4 * math.pi * radius ** 2,
    ["What is the surface area of a sphere of radius {radius}?", "Surface of a ball with radius {radius}?"])

GEO("cylinder_volume", "calculate", "Calculate the volume of a cylinder", "the volume", "volume of a cylinder",
    [req("radius", _R, "Radius of the base.", names=("r",)),
     req("height", _SIDE, "Height of the cylinder.", names=("h",))],
    lambda radius, height: math.pi * radius ** 2 * height,
    ["What is the volume of a cylinder with radius {radius} and height {height}?",
     "Cylinder volume: r = {radius}, h = {height}",
     "How much water does a cylindrical tank {height} tall with radius {radius} hold?"])

GEO("cylinder_surface_area", "calculate", "Calculate the total surface area of a closed cylinder", "the surface area",
    "surface area of a cylinder",
    [req("radius", _R, "Radius.", names=("r",)), req("height", _SIDE, "Height.", names=("h",))],
    lambda radius, height: 2 * math.pi * radius * (radius + height),
    ["What is the surface area of a cylinder with radius {radius} and height {height}?",
     "How much sheet metal covers a closed can of radius {radius} and height {height}?"])

GEO("cone_volume", "calculate", "Calculate the volume of a right circular cone", "the volume", "volume of a cone",
    [req("radius", _R, "Base radius.", names=("r",)), req("height", _SIDE, "Height.", names=("h",))],
    lambda radius, height: math.pi * radius ** 2 * height / 3,
    ["What is the volume of a cone with radius {radius} and height {height}?",
     "Cone volume: r = {radius}, h = {height}.",
     "An ice cream cone is {height} tall with a {radius} radius. What volume does it hold?"])

GEO("box_volume", "calculate", "Calculate the volume of a rectangular box", "the volume", "volume of a box",
    [req("length", _SIDE, "Length.", names=("l",)), req("width", _SIDE, "Width.", names=("w",)),
     req("height", _SIDE, "Height.", names=("h",))],
    lambda length, width, height: length * width * height,
    ["What is the volume of a box {length} by {width} by {height}?",
     "Volume of a rectangular prism: {length} x {width} x {height}.",
     "How much can a crate measuring {length}, {width} and {height} hold?"])

GEO("trapezoid_area", "calculate", "Calculate the area of a trapezoid", "the area", "area of a trapezoid",
    [req("base_a", _SIDE, "One parallel side.", names=("a", "base1")),
     req("base_b", _SIDE, "The other parallel side.", names=("b", "base2")),
     req("height", _SIDE, "Distance between the parallel sides.", names=("h",))],
    lambda base_a, base_b, height: (base_a + base_b) * height / 2,
    ["What is the area of a trapezoid with bases {base_a} and {base_b} and height {height}?",
     "Trapezoid area: parallel sides {base_a} and {base_b}, height {height}."])

GEO("polygon_interior_angle", "calculate", "Calculate each interior angle of a regular polygon", "the angle in degrees",
    "interior angle of a regular polygon",
    [req("sides", INT(3, 20), "Number of sides.", names=("n", "num_sides"))],
    lambda sides: (sides - 2) * 180 / sides,
    ["What is each interior angle of a regular polygon with {sides} sides?",
     "Interior angle of a regular {sides:d}-gon?",
     "How many degrees is each corner of a regular shape with {sides} sides?"])

GEO("regular_polygon_area", "calculate", "Calculate the area of a regular polygon", "the area",
    "area of a regular polygon",
    [req("sides", INT(3, 12), "Number of sides.", names=("n",)),
     req("side_length", _SIDE, "Length of one side.", names=("s", "length"))],
    lambda sides, side_length: sides * side_length ** 2 / (4 * math.tan(math.pi / sides)),
    ["What is the area of a regular polygon with {sides} sides of length {side_length}?",
     "Area of a regular {sides:d}-sided polygon with side {side_length}?"])


def _distance(point_a, point_b, metric="euclidean"):
    d = [abs(point_a[k] - point_b[k]) for k in point_a]
    return {"euclidean": math.sqrt(sum(x * x for x in d)), "manhattan": sum(d), "chebyshev": max(d)}[metric]


GEO("distance_between_points", "calculate", "Calculate the distance between two points in the plane", "the distance",
    "distance between two points",
    [req("point_a", POINT(), "First point {x, y}.", names=("p1", "start", "from_point")),
     req("point_b", POINT(), "Second point {x, y}.", names=("p2", "end", "to_point")),
     opt("metric", ENUM(("euclidean", "manhattan", "chebyshev"),
                        {"euclidean": ("Euclidean", "straight-line"),
                         "manhattan": ("Manhattan", "taxicab", "city-block"),
                         "chebyshev": ("Chebyshev", "chessboard")}),
         "Distance metric.", default="euclidean", say=("using the {v} metric", "({v} distance)", "as {v} distance"))],
    _distance,
    ["What is the distance between {point_a} and {point_b}?", "How far apart are the points {point_a} and {point_b}?",
     "{lead} {verb} the distance from {point_a} to {point_b}?"])

GEO("distance_3d", "calculate", "Calculate the straight-line distance between two points in 3-D space", "the distance",
    "distance in 3-D",
    [req("point_a", POINT(dims="xyz"), "First point {x, y, z}.", names=("p1",)),
     req("point_b", POINT(dims="xyz"), "Second point {x, y, z}.", names=("p2",))],
    lambda point_a, point_b: _distance(point_a, point_b),
    ["What is the distance between the 3D points {point_a} and {point_b}?",
     "3-D distance from {point_a} to {point_b}?"])

GEO("midpoint", "find", "Find the midpoint of a segment", "the midpoint {x, y}", "midpoint",
    [req("point_a", POINT(), "One end {x, y}.", names=("p1",)),
     req("point_b", POINT(), "Other end {x, y}.", names=("p2",))],
    lambda point_a, point_b: {k: (point_a[k] + point_b[k]) / 2 for k in point_a},
    ["What is the midpoint between {point_a} and {point_b}?", "Midpoint of the segment from {point_a} to {point_b}?"])

GEO("law_of_cosines", "calculate", "Find the third side of a triangle from two sides and the included angle",
    "the third side", "third side of a triangle",
    [req("side_a", _SIDE, "First side.", names=("a",)), req("side_b", _SIDE, "Second side.", names=("b",)),
     req("angle_degrees", INT(10, 170), "Angle between them, in degrees.", names=("angle", "gamma"))],
    lambda side_a, side_b, angle_degrees: math.sqrt(side_a ** 2 + side_b ** 2
                                                    - 2 * side_a * side_b * math.cos(math.radians(angle_degrees))),
    ["Two sides of a triangle are {side_a} and {side_b} with {angle_degrees} degrees between them. How long is the "
     "third side?",
     "Law of cosines: a = {side_a}, b = {side_b}, C = {angle_degrees} degrees."])

GEO("third_angle", "find", "Find the third angle of a triangle from the other two", "the angle in degrees",
    "missing angle of a triangle",
    [req("angle_a", INT(10, 120), "First angle in degrees.", names=("a",)),
     req("angle_b", INT(10, 120), "Second angle in degrees.", names=("b",))],
    lambda angle_a, angle_b: 180 - angle_a - angle_b if angle_a + angle_b < 180 else bad(
        "angle_b", "the two angles add up to 180 or more", "two angles summing to less than 180"),
    ["A triangle has angles of {angle_a} and {angle_b} degrees. What is the third?",
     "Missing angle when the others are {angle_a} and {angle_b} degrees?"],
    where=lambda a: a["angle_a"] + a["angle_b"] < 175)


def _vertices(rng):
    n = rng.randint(3, 6)
    angles = sorted(rng.uniform(0, 2 * math.pi) for _ in range(n))
    return [{"x": round(10 * math.cos(t)), "y": round(10 * math.sin(t))} for t in angles]


GEO("polygon_area", "calculate", "Calculate the area of a simple polygon from its vertices (shoelace formula)",
    "the area", "area of a polygon",
    [req("vertices", CUSTOM({"type": "array", "minItems": 3, "items": POINT().schema}, _vertices,
                            lambda v, rng: sf.joined([f"({p['x']}, {p['y']})" for p in v], rng), array=True),
         "Vertices in order, each {x, y}.", names=("points", "corners"))],
    lambda vertices: abs(sum(vertices[i]["x"] * vertices[(i + 1) % len(vertices)]["y"]
                             - vertices[(i + 1) % len(vertices)]["x"] * vertices[i]["y"]
                             for i in range(len(vertices)))) / 2,
    ["What is the area of the polygon with vertices {vertices}?", "Shoelace area for the points {vertices}.",
     "A field has corners at {vertices}. How large is it?"])

GEO("ellipse_area", "calculate", "Calculate the area of an ellipse", "the area", "area of an ellipse",
    [req("semi_major", _SIDE, "Semi-major axis.", names=("a",)),
     req("semi_minor", _SIDE, "Semi-minor axis.", names=("b",))],
    lambda semi_major, semi_minor: math.pi * semi_major * semi_minor,
    ["What is the area of an ellipse with semi-axes {semi_major} and {semi_minor}?",
     "Ellipse area: a = {semi_major}, b = {semi_minor}."])

GEO("arc_length", "calculate", "Calculate the length of a circular arc", "the arc length", "arc length",
    [req("radius", _R, "Radius.", names=("r",)),
     req("angle_degrees", INT(5, 360), "Central angle in degrees.", names=("angle", "theta"))],
    lambda radius, angle_degrees: radius * math.radians(angle_degrees),
    ["How long is an arc of {angle_degrees} degrees on a circle of radius {radius}?",
     "Arc length for r = {radius} and {angle_degrees} degrees?"])

GEO("sector_area", "calculate", "Calculate the area of a circular sector", "the area", "area of a sector",
    [req("radius", _R, "Radius.", names=("r",)),
     req("angle_degrees", INT(5, 360), "Central angle in degrees.", names=("angle",))],
    lambda radius, angle_degrees: math.pi * radius ** 2 * angle_degrees / 360,
    ["What is the area of a {angle_degrees} degree slice of a circle with radius {radius}?",
     "Sector area: r = {radius}, angle {angle_degrees} degrees."])

# --------------------------------------------------------------------------------------------------
# statistics
# --------------------------------------------------------------------------------------------------

_DATA = NUMS(4, 12, 1, 100)
_DATA_F = NUMS(4, 10, 0, 100, integers=False)


def _percentile(numbers, p):
    xs = sorted(numbers)
    k = (len(xs) - 1) * p / 100
    lo, hi = math.floor(k), math.ceil(k)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def _stdev(numbers, sample=False):
    if sample and len(numbers) < 2:
        bad("numbers", "a sample needs at least two values", "two or more numbers")
    return st.stdev(numbers) if sample else st.pstdev(numbers)


_SAMPLE = {True: ("treating the data as a sample", "(sample standard deviation)", "using n-1"),
           False: ("for the whole population", "(population)", "dividing by n")}

STATS("mean", "calculate", "Calculate the arithmetic mean of a list of numbers", "the mean", "average",
      [req("numbers", _DATA_F, "The values.", names=_NUMBERS)],
      lambda numbers: st.fmean(numbers),
      ["What is the average of {numbers}?", "Mean of {numbers}", "{lead} {verb} the mean of {numbers}?",
       "My test scores were {numbers}. What's my average?"])

STATS("median", "calculate", "Calculate the median of a list of numbers", "the median", "median",
      [req("numbers", _DATA, "The values.", names=_NUMBERS)],
      lambda numbers: st.median(numbers),
      ["What is the median of {numbers}?", "Find the middle value of {numbers}.", "median({numbers})"])

STATS("mode", "find", "Find the most frequent value(s) in a list", "the modes", "mode",
      [req("numbers", NUMS(5, 12, 1, 9), "The values.", names=_NUMBERS)],
      lambda numbers: {"modes": sorted(st.multimode(numbers))},
      ["What is the mode of {numbers}?", "Which value appears most often in {numbers}?"])

STATS("standard_deviation", "calculate", "Calculate the standard deviation of a list of numbers",
      "the standard deviation", "standard deviation",
      [req("numbers", _DATA_F, "The values.", names=_NUMBERS),
       opt("sample", BOOL(), "Use the sample (n-1) formula instead of the population one.", default=False,
           value_phrases=_SAMPLE)],
      _stdev,
      ["What is the standard deviation of {numbers}?", "Std dev of {numbers}",
       "{lead} {verb} how spread out {numbers} are (standard deviation)?"],
      weak=Weak(note="Population standard deviation only."))

STATS("variance", "calculate", "Calculate the variance of a list of numbers", "the variance", "variance",
      [req("numbers", _DATA_F, "The values.", names=_NUMBERS),
       opt("sample", BOOL(), "Sample variance (n-1) instead of population variance.", default=False,
           value_phrases={True: ("as a sample", "(sample variance)"), False: ("population variance", "(population)")})],
      lambda numbers, sample=False: _stdev(numbers, sample) ** 2,
      ["What is the variance of {numbers}?", "Variance of the data set {numbers}?"],
      weak=Weak(note="Population variance only."))

STATS("percentile", "calculate", "Calculate a percentile of a list of numbers (linear interpolation)",
      "the percentile value", "percentile",
      [req("numbers", _DATA, "The values.", names=_NUMBERS),
       req("percentile", INT(1, 99), "Which percentile, 0-100.", names=("p", "q"))],
      lambda numbers, percentile: _percentile(numbers, percentile),
      ["What is the {percentile:o} percentile of {numbers}?", "Find percentile {percentile} of {numbers}.",
       "{lead} tell me the {percentile:o} percentile for {numbers}?"])

STATS("data_range", "calculate", "Calculate the range (max minus min) of a list of numbers", "the range", "range",
      [req("numbers", _DATA, "The values.", names=_NUMBERS)],
      lambda numbers: max(numbers) - min(numbers),
      ["What is the range of {numbers}?", "Difference between the largest and smallest of {numbers}?"])


def _corr(x, y):
    if len(x) != len(y) or len(x) < 2:
        bad("y", "must have the same length as x (at least 2)", "two lists of equal length")
    mx, my = st.fmean(x), st.fmean(y)
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y))
    sxx, syy = sum((a - mx) ** 2 for a in x), sum((b - my) ** 2 for b in y)
    if sxx == 0 or syy == 0:
        bad("x", "has no variation", "values that are not all equal")
    return sxy / math.sqrt(sxx * syy)


_PAIR = NUMS(4, 6, 1, 50, forms=("bracket",))
STATS("correlation", "calculate", "Calculate the Pearson correlation between two lists", "r between -1 and 1",
      "correlation",
      [req("x", _PAIR, "First variable.", names=("list_a", "xs")),
       req("y", _PAIR, "Second variable.", names=("list_b", "ys"))],
      _corr,
      ["What is the correlation between {x} and {y}?", "Pearson r for x = {x} and y = {y}?",
       "{lead} {verb} how correlated {x} and {y} are?"],
      where=lambda a: len(a["x"]) == len(a["y"]) and len(set(a["x"])) > 1 and len(set(a["y"])) > 1)


def _regress(x, y):
    _corr(x, y)
    mx, my = st.fmean(x), st.fmean(y)
    slope = sum((a - mx) * (b - my) for a, b in zip(x, y)) / sum((a - mx) ** 2 for a in x)
    return {"slope": slope, "intercept": my - slope * mx, "r_squared": _corr(x, y) ** 2}


STATS("linear_regression", "fit", "Fit a least-squares line y = slope*x + intercept", "slope, intercept and R^2",
      "linear regression",
      [req("x", _PAIR, "Independent values.", names=("xs",)), req("y", _PAIR, "Dependent values.", names=("ys",))],
      _regress,
      ["Fit a regression line to x = {x} and y = {y}.", "What is the best-fit line for {x} vs {y}?",
       "Linear regression of y = {y} on x = {x}."],
      where=lambda a: len(a["x"]) == len(a["y"]) and len(set(a["x"])) > 1 and len(set(a["y"])) > 1)

STATS("z_score", "calculate", "Calculate the z-score of a value", "the z-score", "z-score",
      [req("value", NUM(0, 200, decimals=1), "The observation.", names=("x", "score")),
       req("mean", NUM(0, 200, decimals=1), "Population mean.", names=("mu",)),
       req("std_dev", NUM(1, 40, decimals=1), "Population standard deviation (positive).", names=("sigma", "sd"))],
      lambda value, mean, std_dev: (value - mean) / std_dev if std_dev > 0 else bad("std_dev", "is not positive",
                                                                                    "a positive number"),
      ["What is the z-score of {value} if the mean is {mean} and the standard deviation is {std_dev}?",
       "I scored {value} on a test with mean {mean} and SD {std_dev}. What's my z-score?",
       "z for x = {value:d}, mu = {mean:d}, sigma = {std_dev:d}"])

STATS("weighted_average", "calculate", "Calculate the weighted average of values", "the weighted mean",
      "weighted average",
      [req("values", NUMS(2, 5, 50, 100, forms=("bracket",)), "The values.", names=("scores", "numbers")),
       req("weights", NUMS(2, 5, 1, 5, forms=("bracket",)), "One weight per value.", names=("w",))],
      lambda values, weights: sum(v * w for v, w in zip(values, weights)) / sum(weights)
      if len(values) == len(weights) and sum(weights) else bad("weights", "length or total is wrong",
                                                               "one positive weight per value"),
      ["What is the weighted average of {values} with weights {weights}?",
       "My grades are {values} with weights {weights}; what's the weighted mean?"],
      where=lambda a: len(a["values"]) == len(a["weights"]))

STATS("geometric_mean", "calculate", "Calculate the geometric mean of positive numbers", "the geometric mean",
      "geometric mean",
      [req("numbers", NUMS(2, 8, 1, 50), "Positive values.", names=_NUMBERS)],
      lambda numbers: st.geometric_mean(numbers) if min(numbers) > 0 else bad("numbers", "contains a value <= 0",
                                                                              "positive numbers"),
      ["What is the geometric mean of {numbers}?", "Geometric average of {numbers}?"])

STATS("quartiles", "calculate", "Calculate the first, second and third quartiles", "Q1, Q2 and Q3", "quartiles",
      [req("numbers", NUMS(5, 14, 1, 100), "The values.", names=_NUMBERS)],
      lambda numbers: {"q1": _percentile(numbers, 25), "q2": _percentile(numbers, 50), "q3": _percentile(numbers, 75)},
      ["What are the quartiles of {numbers}?", "Give me Q1, Q2 and Q3 for {numbers}."])

_STATS_ALL = ("count", "sum", "mean", "median", "min", "max", "std")


def _describe(numbers, statistics=None):
    full = {"count": len(numbers), "sum": sum(numbers), "mean": st.fmean(numbers), "median": st.median(numbers),
            "min": min(numbers), "max": max(numbers), "std": st.pstdev(numbers)}
    return {k: full[k] for k in (statistics or _STATS_ALL)}


STATS("describe_data", "", "Compute summary statistics of a list of numbers", "the requested statistics",
      "summary statistics",
      [req("numbers", _DATA_F, "The values.", names=_NUMBERS),
       opt("statistics", CUSTOM({"type": "array", "items": {"type": "string", "enum": list(_STATS_ALL)}, "minItems": 1},
                                lambda rng: rng.sample(_STATS_ALL, rng.randint(1, 3)),
                                lambda v, rng: sf.joined(v, rng), array=True),
           "Which statistics to return (default: all).", say=("only the {v}", "just {v}", "reporting {v}"))],
      _describe,
      ["Summarize the numbers {numbers}.", "Give me summary statistics for {numbers}.", "Describe the data {numbers}."])


def _outliers(numbers, multiplier=1.5):
    q1, q3 = _percentile(numbers, 25), _percentile(numbers, 75)
    lo, hi = q1 - multiplier * (q3 - q1), q3 + multiplier * (q3 - q1)
    return {"lower_fence": lo, "upper_fence": hi, "outliers": [x for x in numbers if x < lo or x > hi]}


STATS("detect_outliers", "", "Find outliers with the interquartile-range rule", "the fences and the outliers",
      "outliers",
      [req("numbers", NUMS(6, 12, 1, 60), "The values.", names=_NUMBERS),
       opt("multiplier", NUM(1, 3, decimals=1, whole=0.3), "IQR multiplier for the fences.", default=1.5,
           say=("with an IQR multiplier of {v}", "using {v} x IQR fences"))],
      _outliers,
      ["Which values in {numbers} are outliers?", "Find outliers in {numbers}.",
       "Detect outliers in the data {numbers}."])

# --------------------------------------------------------------------------------------------------
# probability
# --------------------------------------------------------------------------------------------------


def _binom(trials, successes, probability, cumulative=False):
    if successes > trials:
        bad("successes", "is larger than trials", "0 <= successes <= trials")
    pmf = lambda k: math.comb(trials, k) * probability ** k * (1 - probability) ** (trials - k)  # noqa: E731
    return sum(pmf(k) for k in range(successes + 1)) if cumulative else pmf(successes)


PROBA("binomial_probability", "calculate", "Calculate the binomial probability of exactly k successes in n trials",
      "the probability", "binomial probability",
      [req("trials", INT(1, 30), "Number of trials n.", names=("n",)),
       req("successes", INT(0, 30), "Number of successes k.", names=("k",)),
       req("probability", PROB(), "Success probability per trial.", names=("p",)),
       opt("cumulative", BOOL(), "Return P(X <= k) instead of P(X = k).", default=False,
           value_phrases={True: ("(cumulative: k or fewer)", "counting k or fewer successes"),
                          False: ("(exactly k)",)})],
      _binom,
      ["What is the probability of {successes} successes in {trials} trials with p = {probability}?",
       "If I flip a biased coin {trials} times with heads probability {probability}, what is the chance of "
       "{successes} heads?",
       "{lead} {verb} the binomial probability for n = {trials}, k = {successes}, p = {probability}?"],
      where=lambda a: a["successes"] <= a["trials"])


def _phi(x, mean=0, std_dev=1):
    if std_dev <= 0:
        bad("std_dev", "is not positive", "a positive standard deviation")
    return 0.5 * (1 + math.erf((x - mean) / (std_dev * math.sqrt(2))))


PROBA("normal_cdf", "calculate", "Calculate P(X <= x) for a normal distribution", "the cumulative probability",
      "normal probability",
      [req("x", NUM(-3, 130, decimals=2), "The value.", names=("value",)),
       opt("mean", NUM(0, 120, decimals=1), "Mean of the distribution.", default=0, say=("with mean {v}", "mean {v}"),
           names=("mu",)),
       opt("std_dev", NUM(1, 20, decimals=1), "Standard deviation.", default=1,
           say=("and standard deviation {v}", "sd {v}", "with sigma {v}"), names=("sigma",))],
      _phi,
      ["What is the probability that a normal variable is below {x}?", "Normal CDF at {x}?",
       "P(X <= {x:d}) for a normal distribution?"],
      weak=Weak(note="Standard normal only (mean 0, sd 1)."))

PROBA("poisson_probability", "calculate", "Calculate the Poisson probability of exactly k events", "the probability",
      "Poisson probability",
      [req("rate", NUM(0.5, 12, decimals=1, whole=0.4), "Average number of events (lambda).", names=("lam", "mean")),
       req("k", INT(0, 15), "Number of events.", names=("events",))],
      lambda rate, k: math.exp(-rate) * rate ** k / math.factorial(k),
      ["A call center gets {rate} calls per minute on average. What is the probability of exactly {k} calls in a "
       "minute?",
       "Poisson probability of {k} events with lambda = {rate}?"])


def _dice(target_sum, num_dice=2, sides=6):
    ways = {0: 1}
    for _ in range(num_dice):
        nxt = {}
        for s, w in ways.items():
            for f in range(1, sides + 1):
                nxt[s + f] = nxt.get(s + f, 0) + w
        ways = nxt
    return {"probability": ways.get(target_sum, 0) / sides ** num_dice, "ways": ways.get(target_sum, 0)}


PROBA("dice_sum_probability", "calculate", "Calculate the probability that fair dice add up to a total",
      "the probability and the number of ways", "dice probability",
      [req("target_sum", INT(2, 18), "The total to hit.", names=("total", "target")),
       opt("num_dice", INT(1, 5), "How many dice.", default=2, say=("with {v} dice", "rolling {v} dice"),
           names=("dice",)),
       opt("sides", ENUM((4, 6, 8, 10, 12, 20), {4: ("4-sided", "d4"), 6: ("6-sided", "d6"), 8: ("8-sided", "d8"),
                                                  10: ("10-sided", "d10"), 12: ("12-sided", "d12"),
                                                  20: ("20-sided", "d20")}),
           "Faces per die.", default=6, say=("using {v} dice", "({v})"), names=("faces",))],
      _dice,
      ["What's the probability of rolling a total of {target_sum}?", "Chance that the dice add up to {target_sum}?",
       "{lead} {verb} the odds of a sum of {target_sum}?"],
      weak=Weak(drop=("sides",), note="Six-sided dice only."))

PROBA("probability_at_least_one", "calculate", "Probability that an event happens at least once in repeated trials",
      "the probability", "chance of at least one success",
      [req("probability", PROB(0.01, 0.5), "Chance per trial.", names=("p",)),
       req("trials", INT(1, 50), "Number of independent trials.", names=("n", "attempts"))],
      lambda probability, trials: 1 - (1 - probability) ** trials,
      ["If something has a {probability} chance each try, what's the chance it happens at least once in "
       "{trials} tries?",
       "Probability of at least one success in {trials} trials at p = {probability}?"])

PROBA("bayes_posterior", "calculate", "Apply Bayes' theorem to a test result", "the posterior probability",
      "posterior probability",
      [req("prior", PROB(0.01, 0.3), "Base rate of the condition.", names=("prevalence",)),
       req("sensitivity", PROB(0.6, 0.95), "P(positive | condition).", names=("true_positive_rate",)),
       req("false_positive_rate", PROB(0.05, 0.3), "P(positive | no condition).", names=("fpr",))],
      lambda prior, sensitivity, false_positive_rate: prior * sensitivity / (
          prior * sensitivity + (1 - prior) * false_positive_rate),
      ["A disease affects {prior} of people. The test catches it with probability {sensitivity} and gives false "
       "positives {false_positive_rate} of the time. If I test positive, what's the chance I have it?",
       "Bayes: prior {prior}, sensitivity {sensitivity}, false positive rate {false_positive_rate}. Posterior?"])


def _say_outcomes(v, rng):
    return sf.joined([f"{sf.digits(o['value'])} with probability {sf.digits(o['probability'])}" for o in v], rng)


def _dist(rng):
    n = rng.randint(2, 4)
    cuts = sorted(rng.sample(range(1, 20), n - 1))
    probs = [(b - a) / 20 for a, b in zip([0, *cuts], [*cuts, 20])]
    values = rng.sample(range(-50, 200, 5), n)
    return [{"value": v, "probability": p} for v, p in zip(values, probs)]


PROBA("expected_value", "calculate", "Calculate the expected value of a discrete distribution",
      "the expected value and variance", "expected value",
      [req("outcomes", CUSTOM({"type": "array", "minItems": 1, "items": {
          "type": "object", "properties": {"value": {"type": "number"}, "probability": {"type": "number", "minimum": 0,
                                                                                         "maximum": 1}},
          "required": ["value", "probability"]}}, _dist,
          _say_outcomes, array=True),
           "Each outcome's value and probability (probabilities sum to 1).", names=("distribution",))],
      lambda outcomes: (lambda ev: {"expected_value": ev, "variance": sum(o["probability"] * (o["value"] - ev) ** 2
                                                                          for o in outcomes)})(
          sum(o["value"] * o["probability"] for o in outcomes))
      if abs(sum(o["probability"] for o in outcomes) - 1) < 1e-6 else bad("outcomes", "probabilities do not sum to 1",
                                                                         "probabilities that add up to 1"),
      ["A game pays {outcomes}. What is the expected payout?", "Expected value of: {outcomes}?"])

PROBA("geometric_probability", "calculate", "Probability that the first success comes on trial k", "the probability",
      "geometric probability",
      [req("probability", PROB(0.05, 0.6), "Success chance per trial.", names=("p",)),
       req("k", INT(1, 15), "Trial of the first success.", names=("trial",))],
      lambda probability, k: (1 - probability) ** (k - 1) * probability,
      ["What's the probability the first success happens on try {k} if each try succeeds with {probability}?",
       "Geometric distribution: p = {probability}, first success at trial {k}."])

SPECS = ARITH.specs + NT.specs + ALG.specs + GEO.specs + STATS.specs + PROBA.specs
