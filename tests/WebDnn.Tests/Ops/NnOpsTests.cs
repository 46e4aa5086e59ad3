using WebDnn.Core;
using WebDnn.Ops;
using WebDnn.Ops.Nn;
using static WebDnn.Tests.Ops.ElementwiseTestHelpers;

namespace WebDnn.Tests.Ops;

/// <summary>
/// Shape inference (symbolic dims included) and small hand-checked numerics of the NN ops (Conv, ConvTranspose, pools,
/// MatMul, Gemm, softmax family, normalizations, Resize), plus the fused-epilogue contract and the reference GEMM
/// against a naive triple loop. Larger cases come from the ONNX node tests (Conformance/ReferenceNodeTests).
/// </summary>
public sealed class NnOpsTests
{
    /// <summary>
    /// The blocked GEMM sums in a different order (and with FMA) than the naive double-precision loop: for K ≤ 300 terms
    /// in [-1, 1] the f32 error stays far below 1e-4 absolute (≈ K · 2^-24 · max |partial sum|).
    /// </summary>
    private const double GemmAtol = 1e-4;

    private static TensorType Out(string text, int i = 0) => Infer(text).Outputs[i].Type!;

    private static Tensor Seq(int[] shape, double scale = 1, double offset = 0) =>
        Tensor.FromDoubles(DataType.Float32, shape, Enumerable.Range(0, (int)Tensor.ElementCount(shape)).Select(i => i * scale + offset).ToArray());

    private static float[] Random(int n, int seed)
    {
        var r = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(r.NextDouble() * 2 - 1)).ToArray();
    }

    [Fact]
    public void Conv_InfersSymbolicBatchAndAutoPad()
    {
        Assert.Equal("f32[N,8,4,4]", Out("""
            input %x: f32[N,3,7,7]
            const %w: f32[8,3,3,3] = random
            %y = Conv(%x, %w) {strides=[2,2], auto_pad="SAME_UPPER"}
            output %y
            """).ToString());
        Assert.Equal("f32[N,8,3,3]", Out("""
            input %x: f32[N,4,7,7]
            const %w: f32[8,2,3,3] = random
            %y = Conv(%x, %w) {strides=[2,2], group=2}
            output %y
            """).ToString());
        Assert.Equal("f32[1,6,?]", Out("""
            input %x: f32[1,6,L]
            const %w: f32[6,1,3] = random
            %y = Conv(%x, %w) {group=6, dilations=[2]}
            output %y
            """).ToString());
        var e = Assert.Throws<InvalidModelException>(() => Infer("""
            input %x: f32[1,5,8,8]
            const %w: f32[4,2,3,3] = random
            %y = Conv(%x, %w) {group=2}
            output %y
            """));
        Assert.Contains("channels", e.Message);
    }

    [Fact]
    public void Conv_SmallCaseMatchesHandComputation()
    {
        // x = 0..15 on a 4x4 grid, 2x2 kernel of ones, pads 1 at the top-left only, stride 2, bias 0.5.
        var y = Eval("""
            input %x: f32[1,1,4,4]
            const %w: f32[1,1,2,2] = 1
            const %b: f32[1] = [0.5]
            %y = Conv(%x, %w, %b) {pads=[1,1,0,0], strides=[2,2]}
            output %y
            """, Seq([1, 1, 4, 4]));
        Assert.Equal([1, 1, 2, 2], y.Shape);
        // windows: {0}, {1,2}, {4,8}, {5,6,9,10}
        Close([0.5, 3.5, 12.5, 30.5], y);
    }

    [Fact]
    public void Conv_DepthwiseAndDilated1DMatchNaive()
    {
        // Depthwise 1-D conv with dilation 2 and pads 2: y[c, o] = Σ_k x[c, o - 2 + 2k] · w[c, k].
        var x = Tensor.FromFloats([1, 3, 9], Random(27, 1));
        var w = Random(9, 2);
        var g = Infer("""
            input %x: f32[1,3,9]
            const %w: f32[3,1,3] = random
            %y = Conv(%x, %w) {group=3, dilations=[2], pads=[2,2]}
            output %y
            """);
        g.Nodes[0].Inputs[1]!.Const = Tensor.FromFloats([3, 1, 3], w);
        var y = WebDnn.Ops.Reference.Interpreter.Run(g, new Dictionary<Value, Tensor> { [g.Inputs[0]] = x })[0];
        Assert.Equal([1, 3, 9], y.Shape);
        for (int c = 0; c < 3; c++)
        {
            for (int o = 0; o < 9; o++)
            {
                double s = 0;
                for (int k = 0; k < 3; k++)
                {
                    int i = o - 2 + 2 * k;
                    s += i is >= 0 and < 9 ? x.Floats[c * 9 + i] * w[c * 3 + k] : 0;
                }
                Assert.True(Math.Abs(s - y.Floats[c * 9 + o]) <= 1e-5, $"c={c} o={o}: {y.Floats[c * 9 + o]} vs {s}");
            }
        }
    }

    [Fact]
    public void Conv_WithEpilogue_EqualsUnfusedPair()
    {
        var x = Tensor.FromFloats([1, 4, 5, 5], Random(100, 3));
        var r = Tensor.FromFloats([1, 6, 5, 5], Random(150, 4));
        var unfused = Eval("""
            input %x: f32[1,4,5,5]
            input %r: f32[1,6,5,5]
            const %w: f32[6,4,3,3] = random
            const %b: f32[6] = random
            %c = Conv(%x, %w, %b) {pads=[1,1,1,1]}
            %s = Add(%c, %r)
            %y = Relu(%s)
            output %y
            """, x, r);
        var fused = Eval("""
            input %x: f32[1,4,5,5]
            input %r: f32[1,6,5,5]
            const %w: f32[6,4,3,3] = random
            const %b: f32[6] = random
            %y = Conv(%x, %w, %b, %r) {pads=[1,1,1,1], webdnn.epilogue=Relu(Add(in0, in1)), webdnn.epilogue_first=3}
            output %y
            """, x, r);
        Assert.Contains(unfused.Floats, v => v == 0);
        Close(unfused.ToDoubles(), fused, 0, 0);
    }

    [Fact]
    public void MatMul_EpilogueWithoutBias_UsesOperandsFromFirst()
    {
        var a = Tensor.FromFloats([2, 3], [1, 2, 3, 4, 5, 6]);
        var b = Tensor.FromFloats([3, 2], [1, 0, 0, 1, 1, 1]);
        var y = Eval("""
            input %a: f32[2,3]
            input %b: f32[3,2]
            input %s: f32[2]
            %y = MatMul(%a, %b, %s) {webdnn.epilogue=Mul(in0, in1), webdnn.epilogue_first=2}
            output %y
            """, a, b, F32(10f, -1f));
        Close([40, -5, 100, -11], y);
    }

    [Fact]
    public void Sgemm_MatchesNaiveAcrossTileEdges()
    {
        foreach (var (m, n, k) in new[] { (1, 1, 1), (5, 17, 3), (7, 33, 64), (13, 16, 1), (97, 41, 300), (6, 15, 0) })
        {
            var a = Random(m * k, m + n);
            var b = Random(k * n, k + 7);
            var c = new float[m * n];
            Sgemm.Multiply(m, n, k, a, 0, k, Sgemm.RowMajor(b, 0, n, k), c, 0, n, false);
            var bt = new float[n * k];
            for (int i = 0; i < k; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    bt[j * k + i] = b[i * n + j];
                }
            }
            var c2 = new float[m * n];
            Sgemm.Multiply(m, n, k, a, 0, k, Sgemm.Transposed(bt, 0, k, k), c2, 0, n, false);
            var c3 = new float[m * n];
            Sgemm.MultiplyDot(m, n, k, a, 0, k, bt, 0, k, c3, 0, n, false);
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    double s = 0;
                    for (int p = 0; p < k; p++)
                    {
                        s += (double)a[i * k + p] * b[p * n + j];
                    }
                    Assert.True(Math.Abs(s - c[i * n + j]) <= GemmAtol, $"{m}x{n}x{k} [{i},{j}]: {c[i * n + j]} vs {s}");
                    Assert.True(Math.Abs(s - c2[i * n + j]) <= GemmAtol, $"transposed pack {m}x{n}x{k} [{i},{j}]");
                    Assert.True(Math.Abs(s - c3[i * n + j]) <= GemmAtol, $"dot {m}x{n}x{k} [{i},{j}]");
                }
            }
        }
    }

    [Fact]
    public void MatMul_InfersNumpyShapes()
    {
        Assert.Equal("f32[B,5,3,7]", Out("""
            input %a: f32[B,1,3,4]
            input %b: f32[5,4,7]
            %y = MatMul(%a, %b)
            output %y
            """).ToString());
        Assert.Equal("f32[B,3]", Out("""
            input %a: f32[B,3,4]
            input %b: f32[4]
            %y = MatMul(%a, %b)
            output %y
            """).ToString());
        Assert.Equal("f32[]", Out("""
            input %a: f32[4]
            input %b: f32[4]
            %y = MatMul(%a, %b)
            output %y
            """).ToString());
        Assert.Throws<InvalidModelException>(() => Infer("""
            input %a: f32[2,3]
            input %b: f32[4,2]
            %y = MatMul(%a, %b)
            output %y
            """));
    }

    [Fact]
    public void Gemm_TransposesScalesAndBroadcastsC()
    {
        // A' = Aᵀ = [[1,3],[2,4]], B' = Bᵀ = [[1,0],[1,1]] → A'B' = [[4,3],[6,4]]; 2·that + 0.5·[10, 20].
        var y = Eval("""
            input %a: f32[2,2]
            input %b: f32[2,2]
            input %c: f32[2]
            %y = Gemm(%a, %b, %c) {transA=1, transB=1, alpha=2.0, beta=0.5}
            output %y
            """, F32([2, 2], 1f, 2f, 3f, 4f), F32([2, 2], 1f, 1f, 0f, 1f), F32(10f, 20f));
        Close([13, 16, 17, 18], y);
        Assert.Equal("f32[M,8]", Out("""
            opset 13
            input %a: f32[M,4]
            const %b: f32[8,4] = random
            %y = Gemm(%a, %b) {transB=1}
            output %y
            """).ToString());
    }

    [Fact]
    public void Pools_CeilModeAndPadding()
    {
        Assert.Equal("f32[N,3,3,3]", Out("""
            input %x: f32[N,3,6,6]
            %y = MaxPool(%x) {kernel_shape=[3,3], strides=[2,2], ceil_mode=1}
            output %y
            """).ToString());
        var x = Seq([1, 1, 3, 3], 1, 1); // 1..9
        // 2x2 average with pads 1 on every side, stride 2: windows {1}, {2,3}, {4,7}, {5,6,8,9}; 4 positions each with padding.
        Close([1, 2.5, 5.5, 7], Eval("""
            input %x: f32[1,1,3,3]
            %y = AveragePool(%x) {kernel_shape=[2,2], strides=[2,2], pads=[1,1,1,1]}
            output %y
            """, x));
        Close([0.25, 1.25, 2.75, 7], Eval("""
            input %x: f32[1,1,3,3]
            %y = AveragePool(%x) {kernel_shape=[2,2], strides=[2,2], pads=[1,1,1,1], count_include_pad=1}
            output %y
            """, x));
        Close([5], Eval("""
            input %x: f32[1,1,3,3]
            %y = GlobalAveragePool(%x)
            output %y
            """, x));
        // GlobalLpPool, p = 2 by default and p = 1: sqrt(1² + … + 9²) = sqrt(285); 1 + … + 9 = 45.
        Close([Math.Sqrt(285)], Eval("""
            input %x: f32[1,1,3,3]
            %y = GlobalLpPool(%x)
            output %y
            """, x));
        Close([45], Eval("""
            input %x: f32[1,1,3,3]
            %y = GlobalLpPool(%x) {p=1}
            output %y
            """, x));
        var m = EvalAll("""
            input %x: f32[1,1,3,3]
            %y, %i = MaxPool(%x) {kernel_shape=[2,2]}
            output %y
            output %i
            """, x);
        Close([5, 6, 8, 9], m[0]);
        Exact([4, 5, 7, 8], m[1]);
    }

    [Fact]
    public void Softmax_AxisSemanticsChangeAtOpset13()
    {
        var x = F32([2, 2], 0f, 1f, 2f, 3f);
        double e = Math.E;
        // Opset 11, axis 1 default, coerced 2-D: rows. Opset 11 axis 0: the whole tensor is one row.
        Close([1 / (1 + e), e / (1 + e), 1 / (1 + e), e / (1 + e)], Eval("""
            opset 11
            input %x: f32[2,2]
            %y = Softmax(%x)
            output %y
            """, x));
        double z = 1 + e + e * e + e * e * e;
        Close([1 / z, e / z, e * e / z, e * e * e / z], Eval("""
            opset 11
            input %x: f32[2,2]
            %y = Softmax(%x) {axis=0}
            output %y
            """, x));
        double e2 = e * e;
        Close([1 / (1 + e2), 1 / (1 + e2), e2 / (1 + e2), e2 / (1 + e2)], Eval("""
            opset 13
            input %x: f32[2,2]
            %y = Softmax(%x) {axis=0}
            output %y
            """, x));
        Close([0, 1, 0, 1], Eval("""
            opset 13
            input %x: f32[2,2]
            %y = Hardmax(%x)
            output %y
            """, x));
    }

    [Fact]
    public void Reduce_AxesAttributeVersusInput()
    {
        var x = Seq([2, 3], 1, 1); // [[1,2,3],[4,5,6]]
        Close([6, 15], Eval("""
            opset 11
            input %x: f32[2,3]
            %y = ReduceSum(%x) {axes=[1], keepdims=0}
            output %y
            """, x));
        Close([5, 7, 9], Eval("""
            opset 13
            input %x: f32[2,3]
            const %a: i64[1] = [0]
            %y = ReduceSum(%x, %a) {keepdims=0}
            output %y
            """, x));
        Close([1, 2, 3, 4, 5, 6], Eval("""
            opset 18
            input %x: f32[2,3]
            const %a: i64[0] = []
            %y = ReduceMax(%x, %a) {noop_with_empty_axes=1}
            output %y
            """, x));
        Assert.Equal("f32[1,1]", Out("""
            opset 18
            input %x: f32[2,3]
            %y = ReduceLogSumExp(%x)
            output %y
            """).ToString());
        Close([Math.Log(Math.Exp(1) + Math.Exp(2) + Math.Exp(3)), Math.Log(Math.Exp(4) + Math.Exp(5) + Math.Exp(6))], Eval("""
            opset 13
            input %x: f32[2,3]
            %y = ReduceLogSumExp(%x) {axes=[-1]}
            output %y
            """, x));
    }

    [Fact]
    public void Reduce_EmptySetGivesIdentity()
    {
        var y = Eval("""
            opset 18
            input %x: f32[2,0,4]
            const %a: i64[1] = [1]
            %y = ReduceMin(%x, %a)
            output %y
            """, Tensor.Zeros(DataType.Float32, 2, 0, 4));
        Assert.Equal([2, 1, 4], y.Shape);
        Assert.All(y.Floats, v => Assert.Equal(float.PositiveInfinity, v));
    }

    [Fact]
    public void Normalizations_MatchFormulas()
    {
        var x = F32([1, 2, 2], 1f, 3f, 2f, 6f);
        // Instance norm per channel over 2 positions: ±1/sqrt(1 + eps) and ±2/sqrt(4 + eps), then scale/bias.
        Close([-2 / Math.Sqrt(1 + 1e-5) + 1, 2 / Math.Sqrt(1 + 1e-5) + 1, -1 / Math.Sqrt(4 + 1e-5), 1 / Math.Sqrt(4 + 1e-5)], Eval("""
            input %x: f32[1,2,2]
            const %s: f32[2] = [2.0,0.5]
            const %b: f32[2] = [1.0,0.0]
            %y = InstanceNormalization(%x, %s, %b)
            output %y
            """, x), 1e-5, 1e-6);
        var ln = EvalAll("""
            input %x: f32[1,2,2]
            const %s: f32[2] = 1
            %y, %m, %r = LayerNormalization(%x, %s) {axis=-1, epsilon=0.0}
            output %y
            output %m
            output %r
            """, x);
        Close([-1, 1, -1, 1], ln[0]);
        Close([2, 4], ln[1]);
        Close([1, 0.5], ln[2]);
        Assert.Equal([1, 2, 1], ln[1].Shape);
        // BatchNorm inference: (x - 1) / sqrt(4) * 2 + 3 on channel 0, identity-ish on channel 1.
        Close([3, 5, 2, 6], Eval("""
            input %x: f32[1,2,2]
            const %s: f32[2] = [2.0,1.0]
            const %b: f32[2] = [3.0,0.0]
            const %m: f32[2] = [1.0,0.0]
            const %v: f32[2] = [4.0,1.0]
            %y = BatchNormalization(%x, %s, %b, %m, %v) {epsilon=0.0}
            output %y
            """, x));
    }

    [Fact]
    public void Resize_NearestAndLinear()
    {
        var x = F32([1, 1, 2, 2], 1f, 2f, 3f, 4f);
        var up = Eval("""
            opset 13
            input %x: f32[1,1,2,2]
            const %s: f32[4] = [1.0,1.0,2.0,2.0]
            %y = Resize(%x, _, %s) {mode="nearest", coordinate_transformation_mode="asymmetric", nearest_mode="floor"}
            output %y
            """, x);
        Assert.Equal([1, 1, 4, 4], up.Shape);
        Close([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4], up);
        // align_corners linear on one row of 2 → 3: midpoint is the mean.
        Close([1, 1.5, 2, 2, 2.5, 3, 3, 3.5, 4], Eval("""
            opset 13
            input %x: f32[1,1,2,2]
            const %sz: i64[4] = [1,1,3,3]
            %y = Resize(%x, _, _, %sz) {mode="linear", coordinate_transformation_mode="align_corners"}
            output %y
            """, x));
        Assert.Equal("f32[1,1,4,6]", Out("""
            opset 9
            input %x: f32[1,1,2,3]
            const %s: f32[4] = [1.0,1.0,2.0,2.0]
            %y = Upsample(%x, %s)
            output %y
            """).ToString());
    }

    [Fact]
    public void ConvTranspose_OutputShapeAndValues()
    {
        // 1-D, stride 2, kernel [1, 1]: each input element lands on two outputs; output_padding adds one zero at the end.
        var y = Eval("""
            input %x: f32[1,1,3]
            const %w: f32[1,1,2] = 1
            %y = ConvTranspose(%x, %w) {strides=[2], output_padding=[1]}
            output %y
            """, F32([1, 1, 3], 1f, 2f, 3f));
        Assert.Equal([1, 1, 7], y.Shape);
        Close([1, 1, 2, 2, 3, 3, 0], y);
        Assert.Equal("f32[N,4,10,10]", Out("""
            input %x: f32[N,2,5,5]
            const %w: f32[2,2,3,3] = random
            %y = ConvTranspose(%x, %w) {strides=[2,2], auto_pad="SAME_UPPER", group=2}
            output %y
            """).ToString());
    }
}
