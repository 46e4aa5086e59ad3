using WebDnn.Core.Kernels;
using WebDnn.Core.Kernels.Geometry;

namespace WebDnn.Backends.WebGpu.Kernels;

/// <summary>
/// conv_transpose. Undilated (every case but dilation &gt; 1): as one batched GEMM per stride phase through
/// <see cref="GemmCore"/>. Along an axis of stride s and pad p, output o = q·s + φ is reached by input i and tap t with
/// o = i·s − p + t, so only by the taps t ≡ φ + p (mod s): t = r + j·s with r = (φ + p) mod s, and then
/// i = q + ⌊(φ + p) / s⌋ − j. Each of the Π s phases (× groups, the GEMM's batch z) is an ordinary correlation:
/// C[z] (M/group × N·Q) = A[z] (M/group × C/group·T) · B[z], with Q = ⌈out / s⌉ positions and T = ⌈k / s⌉ taps per axis,
/// the most any phase has; a phase with fewer (out or k not a multiple of s) reads zero weights for its missing taps
/// and skips its missing positions in the store. A is read from the weight [C, M/group, k…] in place (no repacking, so
/// a weight computed at run time works too). Dilated: gather form, one invocation per output element summing
/// x[i]·w[t] over the input channels of its group and the taps t with o = i·s − p + t·d (i integral and inside the
/// input). Bias and the fused epilogue are applied in the store.
/// </summary>
internal static class ConvTransposeWgsl
{
    private static string I(long v) => WgslWriter.I32(v);

    public static void Emit(WgslKernel c, ConvTransposeKernel k)
    {
        var s = Spatial3.Of(k.Inputs[0].Shape, k.Output.Shape, k.Inputs[1].Shape[2..], k.Strides, k.Pads, k.Dilations);
        if (s.Dilations.All(d => d == 1))
        {
            Gemm(c, k, s);
        }
        else
        {
            Gather(c, k, s);
        }
    }

    /// <summary>The phase geometry of the GEMM form: per axis (padded to three) the most taps T and positions Q of any phase.</summary>
    private sealed record Phases(Spatial3 S, long[] Taps, long[] Positions)
    {
        public static Phases Of(Spatial3 s) => new(s,
            [.. Enumerable.Range(0, 3).Select(a => (s.Kernel[a] + s.Strides[a] - 1) / s.Strides[a])],
            [.. Enumerable.Range(0, 3).Select(a => (s.Out[a] + s.Strides[a] - 1) / s.Strides[a])]);

        public long Count => S.Strides[0] * S.Strides[1] * S.Strides[2];

        public long TapCount => Taps[0] * Taps[1] * Taps[2];

        public long PositionCount => Positions[0] * Positions[1] * Positions[2];
    }

    private static readonly string[] s_axes = ["d", "h", "w"];

    /// <summary>Declares the group g and, per axis, the phase f, first tap r and input offset c of GEMM batch z.</summary>
    private static void PhaseOf(WgslWriter w, Phases ph)
    {
        var s = ph.S;
        w.Line($"let g = z / {I(ph.Count)};");
        w.Line($"let ph = z % {I(ph.Count)};");
        long inner = 1;
        for (int a = 2; a >= 0; a--)
        {
            string x = s_axes[a];
            long st = s.Strides[a], pm = ((s.PadsBegin[a] % st) + st) % st, pq = Spatial3.FloorDiv(s.PadsBegin[a], st);
            if (st == 1)
            {
                w.Line($"let r{x} = 0i;");
                w.Line($"let c{x} = {I(pq)};");
                continue;
            }
            w.Line($"let f{x} = (ph / {I(inner)}) % {I(st)};");
            w.Line($"let r{x} = (f{x} + {I(pm)}) % {I(st)};");
            w.Line($"let c{x} = (f{x} + {I(pm)}) / {I(st)} + {I(pq)};");
            inner *= st;
        }
    }

    /// <summary>Declares the channel ci and, per axis, the tap index j and tap t of GEMM row k; returns the check that every tap exists ("" when all do).</summary>
    private static string TapsOf(WgslWriter w, Phases ph)
    {
        var s = ph.S;
        w.Line($"let ci = k / {I(ph.TapCount)};");
        w.Line($"let j = k % {I(ph.TapCount)};");
        var exists = new List<string>();
        long inner = 1;
        for (int a = 2; a >= 0; a--)
        {
            string x = s_axes[a];
            w.Line($"let j{x} = (j / {I(inner)}) % {I(ph.Taps[a])};");
            w.Line($"let t{x} = r{x} + j{x} * {I(s.Strides[a])};");
            if (s.Kernel[a] % s.Strides[a] != 0)
            {
                exists.Add($"(t{x} < {I(s.Kernel[a])})");
            }
            inner *= ph.Taps[a];
        }
        return string.Join(" & ", exists);
    }

    /// <summary>Declares the image n and, per axis, the phase position q of GEMM column p.</summary>
    private static void PositionOf(WgslWriter w, Phases ph)
    {
        w.Line($"let n = p / {I(ph.PositionCount)};");
        w.Line($"let q = p % {I(ph.PositionCount)};");
        long inner = 1;
        for (int a = 2; a >= 0; a--)
        {
            w.Line($"let q{s_axes[a]} = (q / {I(inner)}) % {I(ph.Positions[a])};");
            inner *= ph.Positions[a];
        }
    }

    private static void Gemm(WgslKernel c, ConvTransposeKernel k, Spatial3 s)
    {
        var x = k.Inputs[0].Shape;
        var wt = k.Inputs[1].Shape;
        long batch = x[0], cin = x[1], mg = wt[1], m = k.Output.Shape[1], cg = cin / k.Group;
        var ph = Phases.Of(s);
        void Functions(WgslKernel c)
        {
            var w = c.W;
            w.Function("fn load_a(z: i32, m: i32, k: i32) -> f32", () =>
            {
                PhaseOf(w, ph);
                string exists = TapsOf(w, ph);
                // Branch-free: SwiftShader's shader compiler took minutes (Dawn-node tests past 120 s) on a vector-matrix
                // GEMM whose ~20 inlined load_a calls each returned early under a short-circuit && (0.2 s this way).
                string T(int a) => s.Kernel[a] % s.Strides[a] != 0 ? $"min(t{s_axes[a]}, {I(s.Kernel[a] - 1)})" : $"t{s_axes[a]}";
                string value = c.Load(1, $"((g * {I(cg)} + ci) * {I(mg)} + m) * {I(s.KernelSize)} + ({T(0)} * {I(s.Kernel[1])} + {T(1)}) * {I(s.Kernel[2])} + {T(2)}");
                w.Line(exists.Length > 0 ? $"return select(0f, {value}, {exists});" : $"return {value};");
            });
            w.Function("fn load_b(z: i32, k: i32, p: i32) -> f32", () =>
            {
                PhaseOf(w, ph);
                var inside = new List<string>();
                string exists = TapsOf(w, ph);
                if (exists.Length > 0)
                {
                    inside.Add(exists);
                }
                PositionOf(w, ph);
                for (int a = 0; a < 3; a++)
                {
                    string ax = s_axes[a];
                    w.Line($"let i{ax} = q{ax} + c{ax} - j{ax};");
                    long st = s.Strides[a], lo = Spatial3.FloorDiv(s.PadsBegin[a], st) - (ph.Taps[a] - 1);
                    long hi = ph.Positions[a] - 1 + Spatial3.FloorDiv(st - 1 + s.PadsBegin[a], st);
                    if (lo < 0 || hi >= s.In[a])
                    {
                        inside.Add($"(i{ax} >= 0i) & (i{ax} < {I(s.In[a])})");
                    }
                }
                if (inside.Count > 0)
                {
                    w.Line($"if (!({string.Join(" & ", inside)})) {{ return 0f; }}");
                }
                w.Line($"return {c.Load(0, $"(n * {I(cin)} + g * {I(cg)} + ci) * {I(s.InSize)} + (id * {I(s.In[1])} + ih) * {I(s.In[2])} + iw")};");
            });
            var epi = new WgslEpilogue(c, k.Epilogue, k.EpilogueFirstInput, k.Output.Shape);
            w.Function("fn store(z: i32, m: i32, p: i32, acc: f32)", () =>
            {
                PhaseOf(w, ph);
                PositionOf(w, ph);
                var outside = new List<string>();
                for (int a = 0; a < 3; a++)
                {
                    string ax = s_axes[a];
                    w.Line(s.Strides[a] == 1 ? $"let o{ax} = q{ax};" : $"let o{ax} = q{ax} * {I(s.Strides[a])} + f{ax};");
                    if (ph.Positions[a] * s.Strides[a] > s.Out[a])
                    {
                        outside.Add($"(o{ax} >= {I(s.Out[a])})");
                    }
                }
                if (outside.Count > 0)
                {
                    w.Line($"if ({string.Join(" | ", outside)}) {{ return; }}");
                }
                w.Line($"let ma = g * {I(mg)} + m;");
                w.Line($"let o = (n * {I(m)} + ma) * {I(s.OutSize)} + (od * {I(s.Out[1])} + oh) * {I(s.Out[2])} + ow;");
                epi.Store(k.HasBias ? $"acc + {c.Load(2, "ma")}" : "acc");
            });
        }
        GemmCore.Emit(c, Functions, mg, batch * ph.PositionCount, cg * ph.TapCount, k.Group * ph.Count);
    }

    private static void Gather(WgslKernel c, ConvTransposeKernel k, Spatial3 s)
    {
        var x = k.Inputs[0].Shape;
        var wt = k.Inputs[1].Shape;
        var y = k.Output.Shape;
        long cin = x[1], mg = wt[1], m = y[1], cg = cin / k.Group;
        var w = c.W;
        var epi = new WgslEpilogue(c, k.Epilogue, k.EpilogueFirstInput, y);
        c.Each(k.Output.Length, () =>
        {
            ConvWgsl.OutputCoords(w, s, m, mg);
            w.Line($"let mm = ma % {I(mg)};");
            w.Line("var acc = 0f;");
            string[] o = ["od", "oh", "ow"], t = ["kd", "kh", "kw"], i = ["id", "ih", "iw"];
            for (int a = 0; a < 3; a++)
            {
                w.For(t[a], s.Kernel[a]);
                w.Line($"let n{i[a]} = {o[a]} + {I(s.PadsBegin[a])} - {t[a]} * {I(s.Dilations[a])};");
                w.Line($"if (n{i[a]} < 0i || n{i[a]} % {I(s.Strides[a])} != 0i) {{ continue; }}");
                w.Line($"let {i[a]} = n{i[a]} / {I(s.Strides[a])};");
                w.Line($"if ({i[a]} >= {I(s.In[a])}) {{ continue; }}");
            }
            w.Line($"let xo = (id * {I(s.In[1])} + ih) * {I(s.In[2])} + iw;");
            w.Line($"let wo = (kd * {I(s.Kernel[1])} + kh) * {I(s.Kernel[2])} + kw;");
            w.For("ci", cg);
            w.Line($"let cc = g * {I(cg)} + ci;");
            w.Line($"acc = fma({c.Load(0, $"(n * {I(cin)} + cc) * {I(s.InSize)} + xo")}, {c.Load(1, $"(cc * {I(mg)} + mm) * {I(s.KernelSize)} + wo")}, acc);");
            for (int a = 0; a < 4; a++)
            {
                w.Close();
            }
            epi.Store(k.HasBias ? $"acc + {c.Load(2, "ma")}" : "acc");
        });
    }
}
