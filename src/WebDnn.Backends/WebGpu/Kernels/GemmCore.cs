namespace WebDnn.Backends.WebGpu.Kernels;

/// <summary>Tile shape of <see cref="GemmCore"/>: a BM×BN output tile per workgroup, TM×TN per invocation, K in steps of BK.</summary>
internal sealed record GemmTile(int BM, int BN, int BK, int TM, int TN)
{
    public int Threads => BM / TM * (BN / TN);

    /// <summary>
    /// A tile for an M×N (×Z) problem whose K may be split in up to <paramref name="maxSplits"/> slices: among the
    /// candidates that pad M×N least (within 15%: a 128-row tile on 64 output channels computes twice the work), the
    /// largest (128×64 with 8×4 per invocation first) whose tiles and K slices give enough invocations to fill the GPU,
    /// else the smallest; skinny tiles when one side is at most 16. TN is 4 (one vec4 of B and of each accumulator row;
    /// the core takes any multiple of 4, but 8×8 blocks on 128×128 tiles measured slower on the H200); K steps of 8
    /// (5–8% faster than 16 on VGG16's and style transfer's large convolutions, 32 slower); workgroup memory stays
    /// under 16 KiB.
    /// </summary>
    public static GemmTile For(long m, long n, long z, long maxSplits)
    {
        GemmTile[] candidates = m <= 16 ? [new(16, 256, 8, 4, 4), new(16, 64, 16, 4, 4)]
            : n <= 16 ? [new(256, 16, 8, 4, 4), new(64, 16, 16, 4, 4)]
            : [new(128, 64, 8, 8, 4), new(64, 64, 8, 4, 4), new(32, 64, 8, 4, 4), new(32, 32, 8, 4, 4)];
        long least = candidates.Min(t => t.Padded(m, n));
        foreach (var t in candidates)
        {
            if (t.Padded(m, n) * 100 <= least * 115 && t.Tiles(m, n, z) * maxSplits * t.Threads >= GemmCore.TargetInvocations / 2)
            {
                return t;
            }
        }
        return candidates[^1];
    }

    /// <summary>Workgroups that give this tile's share of <see cref="GemmCore.TargetInvocations"/>.</summary>
    public long TargetGroups => GemmCore.TargetInvocations / Threads;

    private long Padded(long m, long n) => (m + BM - 1) / BM * BM * ((n + BN - 1) / BN * BN);

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
    /// <summary>Invocations that keep a large GPU busy: an H200 has 132 SMs, each holds up to 2048 (a quarter then).</summary>
    public const long TargetInvocations = 132 * 512;

    /// <summary>Shortest K slice worth a split (shorter ones spend more on the second pass than they save).</summary>
    public const long MinSliceK = 128;

    /// <summary>Shortest K slice when the caller's second shader adds the slices anyway (no extra dispatch to pay for).</summary>
    public const long FusedMinSliceK = 32;

    /// <summary>Workgroups of 256 invocations a vector-matrix product aims for: eight per SM keep enough loads in flight.</summary>
    public const long GemvGroups = 1056;

    /// <summary>Shortest K slice of a vector-matrix product worth a split.</summary>
    public const long GemvMinSliceK = 64;

    /// <summary>Most rows M of a product that runs as vector-matrix products (one invocation per column, all rows).</summary>
    public const long MaxGemvRows = 4;

    /// <summary>Largest scratch buffer a split may use.</summary>
    public const long MaxScratchBytes = 64L << 20;

    /// <summary>
    /// Emits the GEMM: <paramref name="functions"/> declares load_a, load_b and store in a shader (called once per shader).
    /// With <paramref name="second"/>, the products always go to the scratch buffer (as split K's partial sums, S ≥ 1 slices)
    /// and <paramref name="second"/> writes the body of the second shader (scratch already declared; its argument S),
    /// which sets the second dispatch (Winograd's output transform); the caller keeps S · Z · M · N floats within
    /// <see cref="MaxScratchBytes"/> and the bindings below 8.
    /// </summary>
    public static void Emit(WgslKernel c, Action<WgslKernel> functions, long m, long n, long k, long z, Action<WgslKernel, long>? second = null)
    {
        bool gemv = m <= MaxGemvRows && second is null;
        // The scratch buffer is one more binding (8 storage buffers per shader at most).
        bool canSplit = c.Kernel.Inputs.Length + c.Kernel.Outputs.Length < 8;
        long minSlice = gemv ? GemvMinSliceK : second is null ? MinSliceK : FusedMinSliceK;
        var t = GemmTile.For(m, n, z, canSplit && k >= 2 * minSlice ? Math.Min(k / minSlice, 64) : 1);
        long tiles = gemv ? (n + WgslKernel.Threads - 1) / WgslKernel.Threads * z : t.Tiles(m, n, z);
        long target = gemv ? GemvGroups : t.TargetGroups, step = gemv ? 1 : t.BK;
        long splits = 1;
        if (tiles < target && k >= 2 * minSlice && canSplit)
        {
            splits = Math.Min(Math.Min((target + tiles - 1) / tiles, k / minSlice), 64);
            while (splits > 1 && (splits * z * m * n * 4 > MaxScratchBytes || splits * z > WgslKernel.MaxGroups))
            {
                splits--;
            }
        }
        long slice = (k + splits - 1) / splits;
        slice = (slice + step - 1) / step * step;
        splits = (k + slice - 1) / slice;
        bool toScratch = splits > 1 || second is not null;
        functions(c);
        if (toScratch)
        {
            c.W.Storage("scratch", "f32", WgslAccess.ReadWrite);
        }
        if (gemv)
        {
            Gemv(c, m, n, k, z, splits, slice);
        }
        else
        {
            Tiles(c, t, m, n, k, z, splits, slice, toScratch);
        }
        if (!toScratch)
        {
            return;
        }
        var r = new WgslKernel(c.Kernel);
        if (second is not null)
        {
            r.W.Storage("scratch", "f32", WgslAccess.ReadWrite);
            second(r, splits);
            c.Second = new WgslKernel.Stage(r.W.ToString(), r.Dispatch, splits * z * m * n * 4);
            return;
        }
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

    /// <summary>
    /// M = 1 (fully-connected layers, vector-matrix products): memory-bound, so no tiles and no barriers. One invocation
    /// per output column n and K slice streams its column of B (consecutive invocations read consecutive n, coalesced)
    /// with four independent loads in flight; A's element is the same for the whole workgroup. Dispatch:
    /// (⌈N/256⌉, 1, Z · S).
    /// </summary>
    private static void Gemv(WgslKernel c, long m, long n, long k, long z, long splits, long slice)
    {
        var w = c.W;
        w.Const("GN", "i32", WgslWriter.I32(n));
        w.Const("GK", "i32", WgslWriter.I32(k));
        w.Main(WgslKernel.Threads, 1, 1, () =>
        {
            w.Line($"let nn = i32(wid.x) * {WgslWriter.I32(WgslKernel.Threads)} + i32(lid.x);");
            w.Line("if (nn >= GN) { return; }");
            w.Line($"let z = i32(wid.z) / {WgslWriter.I32(splits)};");
            w.Line($"let slice = i32(wid.z) % {WgslWriter.I32(splits)};");
            w.Line($"let kbeg = slice * {WgslWriter.I32(slice)};");
            w.Line($"let kend = min(GK, kbeg + {WgslWriter.I32(slice)});");
            for (int r = 0; r < m; r++)
            {
                w.Line($"var acc{r} = vec4<f32>(0f);");
            }
            w.Line("var kk = kbeg;");
            w.Open("loop");
            w.Line("if (kk + 4i > kend) { break; }");
            w.Line("let b = vec4<f32>(load_b(z, kk, nn), load_b(z, kk + 1i, nn), load_b(z, kk + 2i, nn), load_b(z, kk + 3i, nn));");
            for (int r = 0; r < m; r++)
            {
                string row = WgslWriter.I32(r);
                w.Line($"acc{r} = fma(vec4<f32>(load_a(z, {row}, kk), load_a(z, {row}, kk + 1i), load_a(z, {row}, kk + 2i), load_a(z, {row}, kk + 3i)), b, acc{r});");
            }
            w.Line("kk += 4i;");
            w.Close();
            for (int r = 0; r < m; r++)
            {
                w.Line($"var sum{r} = (acc{r}.x + acc{r}.y) + (acc{r}.z + acc{r}.w);");
            }
            w.Open("for (; kk < kend; kk++)");
            w.Line("let bk = load_b(z, kk, nn);");
            for (int r = 0; r < m; r++)
            {
                w.Line($"sum{r} = fma(load_a(z, {WgslWriter.I32(r)}, kk), bk, sum{r});");
            }
            w.Close();
            for (int r = 0; r < m; r++)
            {
                string row = WgslWriter.I32(r);
                w.Line(splits == 1 ? $"store(z, {row}, nn, sum{r});" : $"scratch[((z * {WgslWriter.I32(splits)} + slice) * {WgslWriter.I32(m)} + {row}) * GN + nn] = sum{r};");
            }
        });
        c.Dispatch = [(int)((n + WgslKernel.Threads - 1) / WgslKernel.Threads), 1, (int)(z * splits)];
        if (c.Dispatch.Any(d => d > WgslKernel.MaxGroups))
        {
            throw new Core.UnsupportedModelException($"webgpu backend: vector-matrix product {m}x{n}x{k} (batch {z}) needs more than {WgslKernel.MaxGroups} workgroups along one axis");
        }
    }

    private static void Tiles(WgslKernel c, GemmTile t, long m, long n, long k, long z, long splits, long slice, bool toScratch)
    {
        var w = c.W;
        w.Const("GM", "i32", WgslWriter.I32(m));
        w.Const("GN", "i32", WgslWriter.I32(n));
        w.Const("GK", "i32", WgslWriter.I32(k));
        w.Const("BM", "i32", WgslWriter.I32(t.BM));
        w.Const("BN", "i32", WgslWriter.I32(t.BN));
        w.Const("BK", "i32", WgslWriter.I32(t.BK));
        w.Const("TM", "i32", WgslWriter.I32(t.TM));
        w.Const("NT", "i32", WgslWriter.I32(t.Threads));
        w.Workgroup("tile_a", "vec4<f32>", t.BK * t.BM / 4);
        w.Workgroup("tile_b", "vec4<f32>", t.BK * t.BN / 4);
        int nt = t.Threads;
        int colThreads = t.BN / t.TN;
        int rowVecs = t.TM / 4, colVecs = t.TN / 4;
        // Elements of the A and B tiles each invocation loads per K step (the last may be past the tile when the
        // invocations do not divide it).
        int la = (t.BM * t.BK + nt - 1) / nt, lb = (t.BN * t.BK + nt - 1) / nt;
        // When the invocations cover whole rows of a tile, each one loads the same k of A and the same column n of B
        // at every step: stated as such, the column's part of load_b (the im2col position) is loop-invariant.
        bool fixedA = nt % t.BK == 0 && t.BM * t.BK % nt == 0, fixedB = nt % t.BN == 0 && t.BN * t.BK % nt == 0;
        string I(long v) => WgslWriter.I32(v);
        // The global loads of the K step at k0 into registers ra*, rb*, unrolled (all in flight at once; issuing the next
        // step's loads before the current step's products measured slower on the H200: 2.95 vs 2.70 ms for VGG16).
        void Fetch(string k0)
        {
            for (int j = 0; j < la; j++)
            {
                string e = $"tid + {I(j * nt)}";
                string mm = fixedA ? $"tid / BK + {I(j * (nt / t.BK))}" : $"({e}) / BK";
                string kk = fixedA ? "tid % BK" : $"({e}) % BK";
                string inTile = fixedA || (j + 1) * nt <= t.BM * t.BK ? "" : $"{e} < BM * BK && ";
                w.Line($"ra{j} = 0f;");
                w.Line($"if ({inTile}row0 + {mm} < GM && {k0} + {kk} < kend) {{ ra{j} = load_a(z, row0 + {mm}, {k0} + {kk}); }}");
            }
            for (int j = 0; j < lb; j++)
            {
                string e = $"tid + {I(j * nt)}";
                string kk = fixedB ? $"tid / BN + {I(j * (nt / t.BN))}" : $"({e}) / BN";
                string gn = fixedB ? "gnb" : $"col0 + ({e}) % BN";
                string inTile = fixedB || (j + 1) * nt <= t.BN * t.BK ? "" : $"{e} < BN * BK && ";
                w.Line($"rb{j} = 0f;");
                w.Line($"if ({inTile}{gn} < GN && {k0} + {kk} < kend) {{ rb{j} = load_b(z, {k0} + {kk}, {gn}); }}");
            }
        }
        void Stash()
        {
            for (int j = 0; j < la; j++)
            {
                string e = $"tid + {I(j * nt)}";
                string mm = fixedA ? $"tid / BK + {I(j * (nt / t.BK))}" : $"({e}) / BK";
                string kk = fixedA ? "tid % BK" : $"({e}) % BK";
                string store = $"{{ let mm = {mm}; tile_a[(({kk}) * BM + mm) / 4][mm % 4] = ra{j}; }}";
                w.Line(fixedA || (j + 1) * nt <= t.BM * t.BK ? store : $"if ({e} < BM * BK) {store}");
            }
            for (int j = 0; j < lb; j++)
            {
                string e = $"tid + {I(j * nt)}";
                string kk = fixedB ? $"tid / BN + {I(j * (nt / t.BN))}" : $"({e}) / BN";
                string nn = fixedB ? "bn" : $"({e}) % BN";
                string store = $"{{ let nn = {nn}; tile_b[(({kk}) * BN + nn) / 4][nn % 4] = rb{j}; }}";
                w.Line(fixedB || (j + 1) * nt <= t.BN * t.BK ? store : $"if ({e} < BN * BK) {store}");
            }
        }
        w.Main(nt, 1, 1, () =>
        {
            w.Line("let tid = i32(lid.x);");
            w.Line($"let tm = tid / {I(colThreads)};");
            w.Line($"let tn = tid % {I(colThreads)};");
            w.Line("let row0 = i32(wid.y) * BM;");
            w.Line("let col0 = i32(wid.x) * BN;");
            w.Line($"let z = i32(wid.z) / {I(splits)};");
            w.Line($"let slice = i32(wid.z) % {I(splits)};");
            w.Line($"let kbeg = slice * {I(slice)};");
            w.Line($"let kend = min(GK, kbeg + {I(slice)});");
            w.Line($"var acc: array<vec4<f32>, {t.TM * colVecs}>;");
            if (fixedB)
            {
                w.Line("let bn = tid % BN;");
                w.Line("let gnb = col0 + bn;");
            }
            for (int j = 0; j < la; j++)
            {
                w.Line($"var ra{j}: f32;");
            }
            for (int j = 0; j < lb; j++)
            {
                w.Line($"var rb{j}: f32;");
            }
            w.Open("for (var k0: i32 = kbeg; k0 < kend; k0 += BK)");
            // Tiles in workgroup memory, k-major: A's loads are consecutive in k of one row, B's in n (coalesced for
            // row-major A, row-major B and the im2col rows). All of a step's loads are issued before the first store.
            Fetch("k0");
            Stash();
            w.Line("workgroupBarrier();");
            w.Open("for (var kk: i32 = 0; kk < BK; kk++)");
            for (int cv = 0; cv < colVecs; cv++)
            {
                w.Line($"let b{cv} = tile_b[kk * (BN / 4) + tn + {I(cv * colThreads)}];");
            }
            for (int r = 0; r < rowVecs; r++)
            {
                w.Line($"let a{r} = tile_a[kk * (BM / 4) + tm * {rowVecs} + {r}];");
                for (int i = 0; i < 4; i++)
                {
                    for (int cv = 0; cv < colVecs; cv++)
                    {
                        int ai = (r * 4 + i) * colVecs + cv;
                        w.Line($"acc[{ai}] = fma(vec4<f32>(a{r}[{i}]), b{cv}, acc[{ai}]);");
                    }
                }
            }
            w.Close();
            w.Line("workgroupBarrier();");
            w.Close();
            w.Open("for (var i: i32 = 0; i < TM; i++)");
            w.Line("let gm = row0 + tm * TM + i;");
            w.Line("if (gm >= GM) { break; }");
            w.Open($"for (var cv: i32 = 0; cv < {I(colVecs)}; cv++)");
            w.Open("for (var j: i32 = 0; j < 4; j++)");
            w.Line($"let gn = col0 + (tn + cv * {I(colThreads)}) * 4 + j;");
            w.Line($"let v = acc[i * {I(colVecs)} + cv][j];");
            w.Line(!toScratch ? "if (gn < GN) { store(z, gm, gn, v); }"
                : $"if (gn < GN) {{ scratch[((z * {I(splits)} + slice) * GM + gm) * GN + gn] = v; }}");
            w.Close();
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
