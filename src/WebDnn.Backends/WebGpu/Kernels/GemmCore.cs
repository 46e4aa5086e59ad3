namespace WebDnn.Backends.WebGpu.Kernels;

/// <summary>Tile shape of <see cref="GemmCore"/>: a BM×BN output tile per workgroup, TM×TN per invocation, K in steps of BK.</summary>
internal sealed record GemmTile(int BM, int BN, int BK, int TM, int TN)
{
    public int Threads => BM / TM * (BN / TN);

    /// <summary>
    /// A tile for an M×N (×Z) problem: the largest of the candidates that still gives enough workgroups to fill the GPU
    /// (128×64 with 8×4 per invocation first), else the smallest; skinny tiles when one side is at most 16. TN is 4 (one
    /// vec4 of B and of each accumulator row); workgroup memory stays under 16 KiB.
    /// </summary>
    public static GemmTile For(long m, long n, long z)
    {
        GemmTile[] candidates = m <= 16 ? [new(16, 256, 8, 4, 4), new(16, 64, 16, 4, 4)]
            : n <= 16 ? [new(256, 16, 8, 4, 4), new(64, 16, 16, 4, 4)]
            : [new(128, 64, 16, 8, 4), new(64, 64, 16, 4, 4), new(32, 64, 16, 4, 4), new(32, 32, 16, 4, 4)];
        foreach (var t in candidates)
        {
            if (t.Tiles(m, n, z) >= GemmCore.TargetGroups / 2)
            {
                return t;
            }
        }
        return candidates[^1];
    }

    public long Tiles(long m, long n, long z) => (m + BM - 1) / BM * ((n + BN - 1) / BN) * z;
}

/// <summary>
/// The tiled GEMM every matmul and GEMM-form convolution shares: C[z] (M×N) = A[z] (M×K) · B[z] (K×N). Each workgroup
/// stages BK-deep slices of its A and B tiles in workgroup memory (the loads of consecutive invocations are consecutive in
/// K for A and in N for B, so they coalesce), then every invocation accumulates its TM×TN register block. The caller
/// writes three functions: <c>load_a(z, m, k)</c>, <c>load_b(z, k, n)</c> (called only in bounds) and
/// <c>store(z, m, n, acc)</c> (the epilogue). Dispatch: (⌈N/BN⌉, ⌈M/BM⌉, Z).
/// </summary>
/// <remarks>
/// Split K: when the output has too few tiles to fill the GPU (late, small-spatial convolutions; M = 1 products such as
/// fully-connected layers) and K is long, the K range is cut into S slices (workgroup z = batch · S + slice), each tile
/// writes its partial sums to a scratch buffer, and a second shader adds the S partials of each element and runs the
/// store (bias, epilogue). Both shaders bind the kernel's buffers and then the scratch buffer.
/// </remarks>
internal static class GemmCore
{
    /// <summary>Workgroups that keep a large GPU busy (an H200 has 132 SMs; two tiles each hide the barriers).</summary>
    public const long TargetGroups = 264;

    /// <summary>Shortest K slice worth a split (shorter ones spend more on the second pass than they save).</summary>
    public const long MinSliceK = 128;

    /// <summary>Largest scratch buffer a split may use.</summary>
    public const long MaxScratchBytes = 64L << 20;

    /// <summary>
    /// Emits the GEMM: <paramref name="functions"/> declares load_a, load_b and store in a shader (called once per shader).
    /// </summary>
    public static void Emit(WgslKernel c, Action<WgslKernel> functions, long m, long n, long k, long z)
    {
        var t = GemmTile.For(m, n, z);
        long tiles = t.Tiles(m, n, z);
        long splits = 1;
        if (tiles < TargetGroups && k >= 2 * MinSliceK && c.Kernel.Inputs.Length + c.Kernel.Outputs.Length < 8)
        {
            splits = Math.Min(Math.Min((TargetGroups + tiles - 1) / tiles, k / MinSliceK), 64);
            while (splits > 1 && (splits * z * m * n * 4 > MaxScratchBytes || splits * z > WgslKernel.MaxGroups))
            {
                splits--;
            }
        }
        long slice = (k + splits - 1) / splits;
        slice = (slice + t.BK - 1) / t.BK * t.BK;
        splits = (k + slice - 1) / slice;
        functions(c);
        if (splits > 1)
        {
            c.W.Storage("scratch", "f32", WgslAccess.ReadWrite);
        }
        Tiles(c, t, m, n, k, z, splits, slice);
        if (splits == 1)
        {
            return;
        }
        var r = new WgslKernel(c.Kernel);
        functions(r);
        r.W.Storage("scratch", "f32", WgslAccess.ReadWrite);
        r.W.Const("SPLITS", "i32", WgslWriter.I32(splits));
        r.W.Const("GM", "i32", WgslWriter.I32(m));
        r.W.Const("GN", "i32", WgslWriter.I32(n));
        r.Each(z * m * n, () =>
        {
            r.W.Line("let zz = o / (GM * GN);");
            r.W.Line("let mm = (o / GN) % GM;");
            r.W.Line("let nn = o % GN;");
            r.W.Line("var acc = 0f;");
            r.W.Line("for (var s: i32 = 0; s < SPLITS; s++) { acc += scratch[((zz * SPLITS + s) * GM + mm) * GN + nn]; }");
            r.W.Line("store(zz, mm, nn, acc);");
        });
        c.Second = new WgslKernel.Stage(r.W.ToString(), r.Dispatch, splits * z * m * n * 4);
    }

    private static void Tiles(WgslKernel c, GemmTile t, long m, long n, long k, long z, long splits, long slice)
    {
        var w = c.W;
        w.Const("GM", "i32", WgslWriter.I32(m));
        w.Const("GN", "i32", WgslWriter.I32(n));
        w.Const("GK", "i32", WgslWriter.I32(k));
        w.Const("BM", "i32", WgslWriter.I32(t.BM));
        w.Const("BN", "i32", WgslWriter.I32(t.BN));
        w.Const("BK", "i32", WgslWriter.I32(t.BK));
        w.Const("TM", "i32", WgslWriter.I32(t.TM));
        w.Const("TN", "i32", WgslWriter.I32(t.TN));
        w.Const("NT", "i32", WgslWriter.I32(t.Threads));
        w.Workgroup("tile_a", "vec4<f32>", t.BK * t.BM / 4);
        w.Workgroup("tile_b", "vec4<f32>", t.BK * t.BN / 4);
        int colThreads = t.BN / t.TN;
        int rowVecs = t.TM / 4;
        w.Main(t.Threads, 1, 1, () =>
        {
            w.Line("let tid = i32(lid.x);");
            w.Line($"let tm = tid / {WgslWriter.I32(colThreads)};");
            w.Line($"let tn = tid % {WgslWriter.I32(colThreads)};");
            w.Line("let row0 = i32(wid.y) * BM;");
            w.Line("let col0 = i32(wid.x) * BN;");
            w.Line($"let z = i32(wid.z) / {WgslWriter.I32(splits)};");
            w.Line($"let slice = i32(wid.z) % {WgslWriter.I32(splits)};");
            w.Line($"let kbeg = slice * {WgslWriter.I32(slice)};");
            w.Line($"let kend = min(GK, kbeg + {WgslWriter.I32(slice)});");
            w.Line($"var acc: array<vec4<f32>, {t.TM}>;");
            w.Open("for (var k0: i32 = kbeg; k0 < kend; k0 += BK)");
            // A tile, stored k-major: consecutive invocations read consecutive k of one row (coalesced for row-major A).
            w.Open("for (var e: i32 = tid; e < BM * BK; e += NT)");
            w.Line("let mm = e / BK;");
            w.Line("let kk = e % BK;");
            w.Line("let gm = row0 + mm;");
            w.Line("let gk = k0 + kk;");
            w.Line("var v = 0f;");
            w.Line("if (gm < GM && gk < kend) { v = load_a(z, gm, gk); }");
            w.Line("tile_a[(kk * BM + mm) / 4][mm % 4] = v;");
            w.Close();
            // B tile: consecutive invocations read consecutive n (coalesced for row-major B and the im2col rows).
            w.Open("for (var e: i32 = tid; e < BN * BK; e += NT)");
            w.Line("let kk = e / BN;");
            w.Line("let nn = e % BN;");
            w.Line("let gn = col0 + nn;");
            w.Line("let gk = k0 + kk;");
            w.Line("var v = 0f;");
            w.Line("if (gn < GN && gk < kend) { v = load_b(z, gk, gn); }");
            w.Line("tile_b[(kk * BN + nn) / 4][nn % 4] = v;");
            w.Close();
            w.Line("workgroupBarrier();");
            w.Open("for (var kk: i32 = 0; kk < BK; kk++)");
            w.Line("let b = tile_b[kk * (BN / 4) + tn];");
            for (int r = 0; r < rowVecs; r++)
            {
                w.Line($"let a{r} = tile_a[kk * (BM / 4) + tm * {rowVecs} + {r}];");
                for (int i = 0; i < 4; i++)
                {
                    w.Line($"acc[{r * 4 + i}] = fma(vec4<f32>(a{r}[{i}]), b, acc[{r * 4 + i}]);");
                }
            }
            w.Close();
            w.Line("workgroupBarrier();");
            w.Close();
            w.Open("for (var i: i32 = 0; i < TM; i++)");
            w.Line("let gm = row0 + tm * TM + i;");
            w.Line("if (gm >= GM) { break; }");
            w.Open("for (var j: i32 = 0; j < 4; j++)");
            w.Line("let gn = col0 + tn * 4 + j;");
            w.Line(splits == 1 ? "if (gn < GN) { store(z, gm, gn, acc[i][j]); }"
                : $"if (gn < GN) {{ scratch[((z * {WgslWriter.I32(splits)} + slice) * GM + gm) * GN + gn] = acc[i][j]; }}");
            w.Close();
            w.Close();
        });
        c.Dispatch = [(int)((n + t.BN - 1) / t.BN), (int)((m + t.BM - 1) / t.BM), (int)(z * splits)];
        if (c.Dispatch.Any(d => d > WgslKernel.MaxGroups))
        {
            throw new Core.UnsupportedModelException($"webgpu backend: GEMM {m}x{n}x{k} (batch {z}) needs more than {WgslKernel.MaxGroups} workgroups along one axis");
        }
    }
}
