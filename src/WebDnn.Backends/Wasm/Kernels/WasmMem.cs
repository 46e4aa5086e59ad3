using WebDnn.Backends.Wasm.Encoding;

namespace WebDnn.Backends.Wasm.Kernels;

/// <summary>Loads and stores of 1–4 f32 lanes (edge blocks never touch memory past their last element).</summary>
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
}
