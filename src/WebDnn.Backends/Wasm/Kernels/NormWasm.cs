using WebDnn.Backends.Wasm.Encoding;
using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Backends.Wasm.Kernels;

/// <summary>
/// norm, f32 (LayerNormalization, InstanceNormalization): per row of N, three passes of four lanes — the mean, the biased
/// variance as Σ(x − mean)² (two passes, as the reference, not E[x²] − mean²), then (x − mean)·rsqrt·scale + bias. The
/// last N mod 4 lanes are masked out of the sums. Scale and bias are vectors over n, or one splat value per row
/// (per channel). Threads share the rows.
/// </summary>
internal static class NormWasm
{
    public static bool Supports(NormKernel k)
    {
        if (k.Inputs.Any(b => b.DataType != DataType.Float32) || k.Output.DataType != DataType.Float32 || k.N < 1)
        {
            return false;
        }
        int per = k.PerChannel ? k.Channels : k.N;
        return k.Inputs[0].Length == (long)k.Outer * k.N && k.Inputs.Skip(1).All(b => b.Length == per) && (!k.PerChannel || k.Channels > 0);
    }

    public static void Emit(FunctionBody f, NormKernel k)
    {
        int outP = k.Inputs.Length, scaleP = k.HasScale ? 1 : -1, biasP = k.HasBias ? (k.HasScale ? 2 : 1) : -1;
        int n = k.N;
        int row = f.Local(ValType.I32), px = f.Local(ValType.I32), po = f.Local(ValType.I32), off = f.Local(ValType.I32), ch = f.Local(ValType.I32);
        int acc = f.Local(ValType.V128), mean = f.Local(ValType.V128), rstd = f.Local(ValType.V128), bi = f.Local(ValType.V128);
        void Load(int ptr, int lanes)
        {
            f.LocalGet(ptr).LocalGet(off).Op(WasmOpcode.I32Add);
            WasmMem.Load(f, 0, lanes);
        }
        // threads: this thread's rows (WasmThreads)
        WasmThreads.Loop(f, row, WasmThreads.Range(f, k.Outer), k.Outer, 1, () =>
        {
            f.LocalGet(row).I32Const(checked(n * 4)).Op(WasmOpcode.I32Mul).LocalTee(px).LocalGet(outP).Op(WasmOpcode.I32Add).LocalSet(po);
            f.LocalGet(px).LocalGet(0).Op(WasmOpcode.I32Add).LocalSet(px);
            // mean
            f.F32x4Const(0).LocalSet(acc);
            WasmLoops.Lanes(f, off, n, lanes =>
            {
                f.LocalGet(acc);
                Load(px, lanes);
                f.Op(WasmOpcode.F32x4Add).LocalSet(acc);
            });
            f.LocalGet(acc);
            WasmLoops.Horizontal(f, WasmOpcode.F32x4Add);
            f.F32x4Const(n).Op(WasmOpcode.F32x4Div).LocalSet(mean);
            // variance
            f.F32x4Const(0).LocalSet(acc);
            WasmLoops.Lanes(f, off, n, lanes =>
            {
                f.LocalGet(acc);
                Load(px, lanes);
                f.LocalGet(mean).Op(WasmOpcode.F32x4Sub);
                if (lanes < 4)
                {
                    WasmLoops.Mask(f, lanes);
                    f.Op(WasmOpcode.V128And);
                }
                int d = f.Local(ValType.V128);
                f.LocalTee(d).LocalGet(d).Op(WasmOpcode.F32x4Mul).Op(WasmOpcode.F32x4Add).LocalSet(acc);
            });
            f.F32x4Const(1).LocalGet(acc);
            WasmLoops.Horizontal(f, WasmOpcode.F32x4Add);
            f.F32x4Const(n).Op(WasmOpcode.F32x4Div).F32x4Const(k.Epsilon).Op(WasmOpcode.F32x4Add).Op(WasmOpcode.F32x4Sqrt).Op(WasmOpcode.F32x4Div).LocalSet(rstd);
            if (k.PerChannel)
            {
                // one scale and bias per row: fold rstd into the scale
                f.LocalGet(row).I32Const(k.Channels).Op(WasmOpcode.I32RemU).I32Const(4).Op(WasmOpcode.I32Mul).LocalSet(ch);
                if (scaleP >= 0)
                {
                    f.LocalGet(scaleP).LocalGet(ch).Op(WasmOpcode.I32Add).Mem(WasmOpcode.V128Load32Splat).LocalGet(rstd).Op(WasmOpcode.F32x4Mul).LocalSet(rstd);
                }
                if (biasP >= 0)
                {
                    f.LocalGet(biasP).LocalGet(ch).Op(WasmOpcode.I32Add).Mem(WasmOpcode.V128Load32Splat).LocalSet(bi);
                }
            }
            WasmLoops.Lanes(f, off, n, lanes =>
            {
                f.LocalGet(po).LocalGet(off).Op(WasmOpcode.I32Add);
                Load(px, lanes);
                f.LocalGet(mean).Op(WasmOpcode.F32x4Sub).LocalGet(rstd).Op(WasmOpcode.F32x4Mul);
                if (!k.PerChannel && scaleP >= 0)
                {
                    Load(scaleP, lanes);
                    f.Op(WasmOpcode.F32x4Mul);
                }
                if (biasP >= 0)
                {
                    if (k.PerChannel)
                    {
                        f.LocalGet(bi);
                    }
                    else
                    {
                        Load(biasP, lanes);
                    }
                    f.Op(WasmOpcode.F32x4Add);
                }
                WasmMem.Store(f, 0, lanes);
            });
        });
    }
}
