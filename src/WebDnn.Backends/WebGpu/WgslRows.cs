namespace WebDnn.Backends.WebGpu;

/// <summary>
/// Kernels that process independent rows (reduce, softmax, norm): either one invocation per row (short rows), or one
/// workgroup per row whose invocations stride over it and combine through a workgroup-memory tree (long rows).
/// </summary>
internal static class WgslRows
{
    /// <summary>Rows at most this long get one invocation each.</summary>
    public const long ShortRow = 64;

    /// <summary>Declares <c>wg_sum</c>, <c>wg_max</c> (NaN-propagating) or <c>wg_min</c>, <c>wg_prod</c>: combine one f32 per invocation across the workgroup.</summary>
    public static void Combine(WgslWriter w, string name)
    {
        w.Helper("bits", WgslExpr.Bits);
        if (w.AddOnce("red"))
        {
            w.Workgroup("red", "f32", WgslKernel.Threads);
        }
        string op = name switch
        {
            "sum" => "a + b",
            "prod" => "a * b",
            "max" => "select(max(a, b), a + b, is_nan(a) || is_nan(b))",
            "min" => "select(min(a, b), a + b, is_nan(a) || is_nan(b))",
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
        };
        w.Helper($"wg_{name}", $$"""
            fn wg_{{name}}(tid: u32, v: f32) -> f32 {
              red[tid] = v;
              workgroupBarrier();
              for (var s = {{WgslKernel.Threads / 2}}u; s > 0u; s = s >> 1u) {
                if (tid < s) { let a = red[tid]; let b = red[tid + s]; red[tid] = {{op}}; }
                workgroupBarrier();
              }
              let r = red[0];
              workgroupBarrier();
              return r;
            }
            """);
    }

    /// <summary>
    /// The row loop: <paramref name="body"/> runs with <c>row</c> (i32) in scope; for long rows also <c>tid</c> (u32) and
    /// the invocations of one workgroup share a row. Sets the dispatch.
    /// </summary>
    public static void Emit(WgslKernel c, long rows, bool perWorkgroup, Action body)
    {
        var w = c.W;
        w.Const("ROWS", "i32", WgslWriter.I32(rows));
        w.Main(WgslKernel.Threads, 1, 1, () =>
        {
            if (perWorkgroup)
            {
                w.Line("let tid = lid.x;");
                w.Open("for (var row: i32 = i32(wid.x); row < ROWS; row += i32(nwg.x))");
            }
            else
            {
                w.Open($"for (var row: i32 = i32(gid.x); row < ROWS; row += i32(nwg.x) * {WgslKernel.Threads})");
            }
            body();
            w.Close();
        });
        c.Dispatch = [perWorkgroup ? (int)Math.Clamp(rows, 1, WgslKernel.MaxGroups) : WgslKernel.Groups(rows), 1, 1];
    }
}
