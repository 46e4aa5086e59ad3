namespace WebDnn.Backends.Js;

/// <summary>Scalar helpers shared by all generated kernels (exact <c>ExprEvaluator</c> semantics; see <see cref="JsExpr"/>).</summary>
internal static class JsPrelude
{
    public const string Text = """
        const relu = (x) => (x > 0 || x !== x ? x : 0);
        const sigmoid = (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
        const softplus = (x) => (x > 20 ? x : Math.log(1 + Math.exp(x)));
        const softsign = (x) => x / (1 + Math.abs(x));
        const isInf = (x) => (x === Infinity || x === -Infinity ? 1 : 0);
        // round half to even
        const roundEven = (x) => {
          const f = Math.floor(x), d = x - f;
          return d > 0.5 ? f + 1 : d < 0.5 ? f : f % 2 === 0 ? f : f + 1;
        };
        // result takes the divisor's sign (ONNX Mod, fmod=0)
        const fmodFloor = (a, b) => {
          const r = a % b;
          return r !== 0 && (r < 0) !== (b < 0) ? r + b : r;
        };
        const imod = (a, b) => {
          if (b === 0) return 0;
          const r = a % b;
          return r !== 0 && (r < 0) !== (b < 0) ? (r + b) | 0 : r;
        };
        // shifts of the 64-bit sign-extended value, wrapped to 32 bits (as the reference computes them)
        const shl = (a, b) => (b >= 0 && b < 32 ? a << b : 0);
        const shr = (a, b) => (b < 0 || b >= 64 ? 0 : b < 32 ? a >> b : a >= 0 ? 0 : b === 32 ? -1 : (2 ** (64 - b) - 1) | 0);
        // Pad mode reflect: mirror without repeating the edge, periodic for pads wider than the input
        const reflectIdx = (c, n) => {
          if (n === 1) return 0;
          const p = 2 * (n - 1);
          c = ((c % p) + p) % p;
          return c < n ? c : p - c;
        };
        // erf: Maclaurin series below 2.5, continued fraction for erfc above (same as the C# reference)
        const erf = (x) => {
          if (x !== x) return x;
          const ax = Math.abs(x);
          let r;
          if (ax < 2.5) {
            let sum = 0, term = ax;
            for (let n = 0; n < 60; n++) {
              const add = term / (2 * n + 1);
              sum += add;
              if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
              term *= -ax * ax / (n + 1);
            }
            r = 2 / Math.sqrt(Math.PI) * sum;
          } else if (ax > 6) {
            r = 1;
          } else {
            let f = 0;
            for (let n = 60; n >= 1; n--) f = n / 2 / (ax + f);
            r = 1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + f);
          }
          return x < 0 ? -r : r;
        };

        """;
}
