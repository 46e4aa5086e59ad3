using WebDnn.Backends.Wasm.Encoding;

namespace WebDnn.Backends.Wasm.Kernels;

/// <summary>
/// Loads and stores of 1–4 lanes of 4-byte elements (f32, i32), and of 1–4 bools (one byte each in memory, lane masks
/// in registers); edge blocks never touch memory past their last element.
/// </summary>
internal static class WasmMem
{
    /// <summary>Address on the stack → v128 with <paramref name="lanes"/> lanes loaded (the rest zero).</summary>
    public static void Load(FunctionBody f, uint off, int lanes)
    {
        switch (lanes)
        {
            case 4: f.Mem(WasmOpcode.V128Load, off); break;
            case 2: f.Mem(WasmOpcode.V128Load64Zero, off); break;
            case 1: f.Mem(WasmOpcode.V128Load32Zero, off); break;
            case 3:
                {
                    int a = f.Local(ValType.I32);
                    f.LocalTee(a).Mem(WasmOpcode.V128Load64Zero, off);
                    int v = f.Local(ValType.V128);
                    f.LocalSet(v);
                    f.LocalGet(a).LocalGet(v).MemLane(WasmOpcode.V128Load32Lane, 2, off + 8);
                    break;
                }
            default: throw new ArgumentOutOfRangeException(nameof(lanes));
        }
    }

    /// <summary>Address and value on the stack → stores the first <paramref name="lanes"/> lanes.</summary>
    public static void Store(FunctionBody f, uint off, int lanes)
    {
        switch (lanes)
        {
            case 4: f.Mem(WasmOpcode.V128Store, off); break;
            case 2: f.MemLane(WasmOpcode.V128Store64Lane, 0, off); break;
            case 1: f.MemLane(WasmOpcode.V128Store32Lane, 0, off); break;
            case 3:
                {
                    int v = f.Local(ValType.V128), a = f.Local(ValType.I32);
                    f.LocalSet(v).LocalTee(a).LocalGet(v).MemLane(WasmOpcode.V128Store64Lane, 0, off);
                    f.LocalGet(a).LocalGet(v).MemLane(WasmOpcode.V128Store32Lane, 2, off + 8);
                    break;
                }
            default: throw new ArgumentOutOfRangeException(nameof(lanes));
        }
    }

    /// <summary>Address on the stack → the <paramref name="lanes"/> bytes there as an i32x4 lane mask (nonzero: all ones; missing lanes false).</summary>
    public static void LoadBool(FunctionBody f, int lanes)
    {
        int v = f.Local(ValType.V128);
        if (lanes == 4)
        {
            f.Mem(WasmOpcode.V128Load32Zero).LocalSet(v);
        }
        else
        {
            int a = f.Local(ValType.I32);
            f.LocalSet(a).V128Const(0, 0, 0, 0).LocalSet(v);
            for (int j = 0; j < lanes; j++)
            {
                f.LocalGet(a).LocalGet(v).MemLane(WasmOpcode.V128Load8Lane, j, (uint)j).LocalSet(v);
            }
        }
        // byte j to every byte of lane j, then lane != 0
        f.LocalGet(v).LocalGet(v).Shuffle([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3]).V128Const(0, 0, 0, 0).Op(WasmOpcode.I32x4Ne);
    }

    /// <summary>Address and an i32x4 lane mask on the stack → stores the first <paramref name="lanes"/> lanes as bytes 0 or 1.</summary>
    public static void StoreBool(FunctionBody f, int lanes)
    {
        int v = f.Local(ValType.V128);
        // byte 0 of each lane to bytes 0–3, then & 1
        f.LocalTee(v).LocalGet(v).Shuffle([0, 4, 8, 12, 0, 4, 8, 12, 0, 4, 8, 12, 0, 4, 8, 12]).V128Const(0x01010101, 0x01010101, 0x01010101, 0x01010101)
            .Op(WasmOpcode.V128And).LocalSet(v);
        if (lanes == 4)
        {
            f.LocalGet(v).MemLane(WasmOpcode.V128Store32Lane, 0);
            return;
        }
        int a = f.Local(ValType.I32);
        f.LocalSet(a);
        for (int j = 0; j < lanes; j++)
        {
            f.LocalGet(a).LocalGet(v).MemLane(WasmOpcode.V128Store8Lane, j, (uint)j);
        }
    }
}
