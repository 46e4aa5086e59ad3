namespace WebDnn.Backends.WebGpu.Kernels;

/// <summary>Tile shape of <see cref="GemmCore"/>: a BM×BN output tile per workgroup, TM×TN per invocation, K in steps of BK.</summary>
internal sealed record GemmTile(int BM, int BN, int BK, int TM, int TN)
{
    public int Threads => BM / TM * (BN / TN);

    /// <summary>A tile for an M×N problem: wide tiles when one side is small, so few invocations idle.</summary>
    public static GemmTile For(long m, long n) =>
        m <= 16 ? new GemmTile(16, 256, 8, 4, 4)
        : n <= 16 ? new GemmTile(256, 16, 8, 4, 4)
        : m <= 32 ? new GemmTile(32, 128, 16, 4, 4)
        : n <= 32 ? new GemmTile(128, 32, 16, 4, 4)
        : new GemmTile(64, 64, 16, 4, 4);
}

/// <summary>
/// The tiled GEMM every matmul and GEMM-form convolution shares: C[z] (M×N) = A[z] (M×K) · B[z] (K×N). Each workgroup
/// stages BK-deep slices of its A and B tiles in workgroup memory (the loads of consecutive invocations are consecutive in
/// K for A and in N for B, so they coalesce), then every invocation accumulates its TM×TN register block. The caller
/// writes three functions: <c>load_a(z, m, k)</c>, <c>load_b(z, k, n)</c> (called only in bounds) and
/// <c>store(z, m, n, acc)</c> (the epilogue). Dispatch: (⌈N/BN⌉, ⌈M/BM⌉, Z).
/// </summary>
internal static class GemmCore
{
    public static void Emit(WgslKernel c, GemmTile t, long m, long n, long k, long z)
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
        w.Workgroup("tile_a", "f32", t.BK * t.BM);
        w.Workgroup("tile_b", "f32", t.BK * t.BN);
        int colThreads = t.BN / t.TN;
        w.Main(t.Threads, 1, 1, () =>
        {
            w.Line("let tid = i32(lid.x);");
            w.Line($"let tm = tid / {WgslWriter.I32(colThreads)};");
            w.Line($"let tn = tid % {WgslWriter.I32(colThreads)};");
            w.Line("let row0 = i32(wid.y) * BM;");
            w.Line("let col0 = i32(wid.x) * BN;");
            w.Line("let z = i32(wid.z);");
            w.Line($"var acc: array<f32, {t.TM * t.TN}>;");
            w.Line($"var ra: array<f32, {t.TM}>;");
            w.Line($"var rb: array<f32, {t.TN}>;");
            w.Open("for (var k0: i32 = 0; k0 < GK; k0 += BK)");
            w.Open("for (var e: i32 = tid; e < BM * BK; e += NT)");
            w.Line("let mm = e / BK;");
            w.Line("let kk = e % BK;");
            w.Line("let gm = row0 + mm;");
            w.Line("let gk = k0 + kk;");
            w.Line("var v = 0f;");
            w.Line("if (gm < GM && gk < GK) { v = load_a(z, gm, gk); }");
            w.Line("tile_a[kk * BM + mm] = v;");
            w.Close();
            w.Open("for (var e: i32 = tid; e < BN * BK; e += NT)");
            w.Line("let kk = e / BN;");
            w.Line("let nn = e % BN;");
            w.Line("let gn = col0 + nn;");
            w.Line("let gk = k0 + kk;");
            w.Line("var v = 0f;");
            w.Line("if (gn < GN && gk < GK) { v = load_b(z, gk, gn); }");
            w.Line("tile_b[kk * BN + nn] = v;");
            w.Close();
            w.Line("workgroupBarrier();");
            w.Open("for (var kk: i32 = 0; kk < BK; kk++)");
            w.Line("for (var i: i32 = 0; i < TM; i++) { ra[i] = tile_a[kk * BM + tm * TM + i]; }");
            w.Line("for (var j: i32 = 0; j < TN; j++) { rb[j] = tile_b[kk * BN + tn * TN + j]; }");
            w.Line("for (var i: i32 = 0; i < TM; i++) { for (var j: i32 = 0; j < TN; j++) { acc[i * TN + j] = fma(ra[i], rb[j], acc[i * TN + j]); } }");
            w.Close();
            w.Line("workgroupBarrier();");
            w.Close();
            w.Open("for (var i: i32 = 0; i < TM; i++)");
            w.Line("let gm = row0 + tm * TM + i;");
            w.Open("for (var j: i32 = 0; j < TN; j++)");
            w.Line("let gn = col0 + tn * TN + j;");
            w.Line("if (gm < GM && gn < GN) { store(z, gm, gn, acc[i * TN + j]); }");
            w.Close();
            w.Close();
        });
        c.Dispatch = [(int)((n + t.BN - 1) / t.BN), (int)((m + t.BM - 1) / t.BM), (int)z];
        if (c.Dispatch.Any(d => d > WgslKernel.MaxGroups))
        {
            throw new Core.UnsupportedModelException($"webgpu backend: GEMM {m}x{n}x{k} (batch {z}) needs more than {WgslKernel.MaxGroups} workgroups along one axis");
        }
    }
}
