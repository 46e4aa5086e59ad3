using WebDnn.Backends.Common;
using WebDnn.Core.Kernels;
using WebDnn.Core.Kernels.Geometry;

namespace WebDnn.Backends.Js.Kernels;

/// <summary>
/// matmul: per batch, rows in blocks of <see cref="Rows"/> and columns in panels of at most <see cref="Panel"/>;
/// for each k the block's A values sit in registers and one B row streams through the panel into double accumulators.
/// Each B element is loaded once per row block instead of once per row.
/// </summary>
internal static class MatMulJs
{
    private const int Rows = 4;
    private const int Panel = 256;

    public static void Emit(JsKernelContext c, MatMulKernel k)
    {
        var g = MatMulShape.Of(k);
        int m = g.M, kk = g.K, n = g.N, rank = g.Batch.Length;
        var batch = g.Batch;
        // Full output shape [batch..., M, N]; the output buffer holds the same elements (maybe with rank-1 squeezes).
        int[] full = g.Full;
        long mn = (long)m * n;
        var operands = new List<long[]>
        {
            g.ABatchStrides,
            g.BBatchStrides,
            RowMajor.Strides(batch).Select(s => s * mn).ToArray(),
        };

        var code = c.Code;
        int panel = Math.Min(n, Panel);
        string acc = c.Scratch("Float64Array", (long)Rows * panel);
        var epi = new Epilogue(k, full, k.Inputs[0].Shape.Length == 1, k.Inputs[1].Shape.Length == 1);
        StridedLoop.Emit(code, batch, operands, ["0", "0", "0"], "bt", offs =>
        {
            string aOff = offs[0], bOff = offs[1], oOff = offs[2];
            var batchCoords = Enumerable.Range(0, rank).Select(i => "0").ToList();
            code.Line($"const ab = {aOff}, bb = {bOff}, ob = {oOff};");
            if (rank > 0)
            {
                // batch coordinates for the bias/epilogue operands (cheap: once per batch)
                code.Line("const bi = ob / " + mn + ";");
                long rest = 1;
                for (int i = rank - 1; i >= 0; i--)
                {
                    code.Line($"const bc{i} = Math.floor(bi / {rest}) % {batch[i]};");
                    batchCoords[i] = $"bc{i}";
                    rest *= batch[i];
                }
            }
            code.Open($"for (let j0 = 0; j0 < {n}; j0 += {panel})");
            code.Line($"const jn = Math.min({panel}, {n} - j0);");
            int full4 = m / Rows * Rows;
            if (full4 > 0)
            {
                code.Open($"for (let i = 0; i < {full4}; i += {Rows})");
                Block(code, Rows, acc, panel, kk, n);
                epi.Rows(code, Rows, acc, panel, batchCoords);
                code.Close();
            }
            if (full4 < m)
            {
                code.Open($"for (let i = {full4}; i < {m}; i++)");
                Block(code, 1, acc, panel, kk, n);
                epi.Rows(code, 1, acc, panel, batchCoords);
                code.Close();
            }
            code.Close();
        });
    }

    private static void Block(JsCode code, int rows, string acc, int panel, int kk, int n)
    {
        code.Line($"{acc}.fill(0);");
        code.For("k", kk);
        for (int r = 0; r < rows; r++)
        {
            code.Line($"const a{r} = x0[ab + (i + {r}) * {kk} + k];");
        }
        code.Line($"const bp = bb + k * {n} + j0;");
        code.Open("for (let j = 0; j < jn; j++)");
        code.Line("const bv = x1[bp + j];");
        for (int r = 0; r < rows; r++)
        {
            code.Line($"{acc}[{(r == 0 ? "j" : $"{r * panel} + j")}] += a{r} * bv;");
        }
        code.Close();
        code.Close();
    }

    /// <summary>
    /// Bias and epilogue operands are indexed by (batch coords, i, j) through broadcast strides. They broadcast to the
    /// output buffer's shape, which lacks the M axis when A is 1-D and the N axis when B is 1-D: those axes are put back
    /// as size 1 before broadcasting to the full [batch..., M, N].
    /// </summary>
    private sealed class Epilogue(MatMulKernel k, int[] full, bool aVec, bool bVec)
    {
        private readonly JsEpilogue _epi = new(WithShape(k, full, aVec, bVec), k.Epilogue, k.EpilogueFirstInput);
        private readonly long[]? _bias = k.HasBias ? RowMajor.BroadcastStrides(ToFull(k.Inputs[2].Shape, k.Output.Shape.Length, aVec, bVec), full) : null;

        /// <summary>An operand's shape (broadcast against the output) with the dropped M/N axes restored as 1.</summary>
        private static int[] ToFull(int[] shape, int outRank, bool aVec, bool bVec)
        {
            int[] padded = [.. Enumerable.Repeat(1, Math.Max(0, outRank - shape.Length)), .. shape];
            int mat = (aVec ? 0 : 1) + (bVec ? 0 : 1);
            var tail = new Queue<int>(padded[^mat..]);
            return [.. padded[..^mat], aVec ? 1 : tail.Dequeue(), bVec ? 1 : tail.Dequeue()];
        }

        public void Rows(JsCode code, int rows, string acc, int panel, List<string> batchCoords)
        {
            int n = full[^1];
            for (int r = 0; r < rows; r++)
            {
                code.Open($"for (let j = 0; j < jn; j++)");
                code.Line($"const row = i + {r}, col = j0 + j;");
                List<string> coords = [.. batchCoords, "row", "col"];
                string v = $"{acc}[{(r == 0 ? "j" : $"{r * panel} + j")}]";
                if (_bias is not null)
                {
                    v = $"{v} + x2[{JsCode.Dot(coords, _bias)}]";
                }
                _epi.Store(code, v, $"ob + row * {n} + col", coords);
                code.Close();
            }
        }

        // Epilogue operands broadcast against the full [batch..., M, N] shape, which may differ in rank from the output buffer.
        private static Kernel WithShape(MatMulKernel k, int[] full, bool aVec, bool bVec) => k with
        {
            Inputs = [.. k.Inputs.Select((b, j) => j < k.EpilogueFirstInput ? b : new KernelBuffer(b.Id, b.DataType, ToFull(b.Shape, k.Output.Shape.Length, aVec, bVec), b.Kind))],
            Outputs = [new KernelBuffer(k.Output.Id, k.Output.DataType, full, k.Output.Kind)],
        };
    }
}
