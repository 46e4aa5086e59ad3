using WebDnn.Backends.Wasm.Encoding;

namespace WebDnn.Backends.Wasm.Kernels;

/// <summary>The module being written and its variant; kernels add their helper functions (GEMMs, im2col) through it.</summary>
internal sealed class WasmModuleContext(ModuleWriter module, bool relaxed)
{
    public ModuleWriter Module { get; } = module;

    /// <summary>Use relaxed-SIMD instructions (f32x4.relaxed_madd).</summary>
    public bool Relaxed { get; } = relaxed;

    public int Add(FunctionBody f) => Module.AddFunction(f);
}
