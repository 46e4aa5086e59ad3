namespace WebDnn.Backends.Wasm.Encoding;

/// <summary>Which proposal an instruction belongs to (a module using any relaxed one validates only where relaxed SIMD ships).</summary>
public enum WasmFeature
{
    Mvp,
    BulkMemory,
    Simd128,
    RelaxedSimd,
}

/// <summary>The text-format name of an opcode (<c>f32x4.add</c>), kept next to its encoding.</summary>
[AttributeUsage(AttributeTargets.Field)]
public sealed class WasmTextAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}

/// <summary>
/// The instructions the emitter writes. The value encodes the binary form: the low 16 bits are the opcode (or the
/// sub-opcode after a prefix byte), bits 16–23 the prefix (0 for single-byte MVP opcodes, 0xFC bulk memory and
/// saturating truncation, 0xFD SIMD128 and relaxed SIMD). Immediates are written by <see cref="FunctionBody"/>.
/// </summary>
public enum WasmOpcode
{
    // control
    [WasmText("unreachable")] Unreachable = 0x00,
    [WasmText("nop")] Nop = 0x01,
    [WasmText("block")] Block = 0x02,
    [WasmText("loop")] Loop = 0x03,
    [WasmText("if")] If = 0x04,
    [WasmText("else")] Else = 0x05,
    [WasmText("end")] End = 0x0B,
    [WasmText("br")] Br = 0x0C,
    [WasmText("br_if")] BrIf = 0x0D,
    [WasmText("return")] Return = 0x0F,
    [WasmText("call")] Call = 0x10,
    [WasmText("drop")] Drop = 0x1A,
    [WasmText("select")] Select = 0x1B,

    // variables
    [WasmText("local.get")] LocalGet = 0x20,
    [WasmText("local.set")] LocalSet = 0x21,
    [WasmText("local.tee")] LocalTee = 0x22,
    [WasmText("global.get")] GlobalGet = 0x23,
    [WasmText("global.set")] GlobalSet = 0x24,

    // memory
    [WasmText("i32.load")] I32Load = 0x28,
    [WasmText("f32.load")] F32Load = 0x2A,
    [WasmText("i32.load8_u")] I32Load8U = 0x2D,
    [WasmText("i32.store")] I32Store = 0x36,
    [WasmText("f32.store")] F32Store = 0x38,
    [WasmText("i32.store8")] I32Store8 = 0x3A,
    [WasmText("memory.size")] MemorySize = 0x3F,

    // constants
    [WasmText("i32.const")] I32Const = 0x41,
    [WasmText("f32.const")] F32Const = 0x43,

    // i32 comparison
    [WasmText("i32.eqz")] I32Eqz = 0x45,
    [WasmText("i32.eq")] I32Eq = 0x46,
    [WasmText("i32.ne")] I32Ne = 0x47,
    [WasmText("i32.lt_s")] I32LtS = 0x48,
    [WasmText("i32.lt_u")] I32LtU = 0x49,
    [WasmText("i32.gt_s")] I32GtS = 0x4A,
    [WasmText("i32.gt_u")] I32GtU = 0x4B,
    [WasmText("i32.le_s")] I32LeS = 0x4C,
    [WasmText("i32.le_u")] I32LeU = 0x4D,
    [WasmText("i32.ge_s")] I32GeS = 0x4E,
    [WasmText("i32.ge_u")] I32GeU = 0x4F,

    // f32 comparison
    [WasmText("f32.eq")] F32Eq = 0x5B,
    [WasmText("f32.ne")] F32Ne = 0x5C,
    [WasmText("f32.lt")] F32Lt = 0x5D,
    [WasmText("f32.gt")] F32Gt = 0x5E,
    [WasmText("f32.le")] F32Le = 0x5F,
    [WasmText("f32.ge")] F32Ge = 0x60,

    // i32 arithmetic
    [WasmText("i32.add")] I32Add = 0x6A,
    [WasmText("i32.sub")] I32Sub = 0x6B,
    [WasmText("i32.mul")] I32Mul = 0x6C,
    [WasmText("i32.div_s")] I32DivS = 0x6D,
    [WasmText("i32.div_u")] I32DivU = 0x6E,
    [WasmText("i32.rem_s")] I32RemS = 0x6F,
    [WasmText("i32.rem_u")] I32RemU = 0x70,
    [WasmText("i32.and")] I32And = 0x71,
    [WasmText("i32.or")] I32Or = 0x72,
    [WasmText("i32.xor")] I32Xor = 0x73,
    [WasmText("i32.shl")] I32Shl = 0x74,
    [WasmText("i32.shr_s")] I32ShrS = 0x75,
    [WasmText("i32.shr_u")] I32ShrU = 0x76,

    // f32 arithmetic
    [WasmText("f32.abs")] F32Abs = 0x8B,
    [WasmText("f32.neg")] F32Neg = 0x8C,
    [WasmText("f32.ceil")] F32Ceil = 0x8D,
    [WasmText("f32.floor")] F32Floor = 0x8E,
    [WasmText("f32.nearest")] F32Nearest = 0x90,
    [WasmText("f32.sqrt")] F32Sqrt = 0x91,
    [WasmText("f32.add")] F32Add = 0x92,
    [WasmText("f32.sub")] F32Sub = 0x93,
    [WasmText("f32.mul")] F32Mul = 0x94,
    [WasmText("f32.div")] F32Div = 0x95,
    [WasmText("f32.min")] F32Min = 0x96,
    [WasmText("f32.max")] F32Max = 0x97,

    // conversions
    [WasmText("i32.trunc_f32_s")] I32TruncF32S = 0xA8,
    [WasmText("f32.convert_i32_s")] F32ConvertI32S = 0xB2,
    [WasmText("i32.reinterpret_f32")] I32ReinterpretF32 = 0xBC,
    [WasmText("f32.reinterpret_i32")] F32ReinterpretI32 = 0xBE,

    // 0xFC prefix
    [WasmText("i32.trunc_sat_f32_s")] I32TruncSatF32S = 0xFC_0000,
    [WasmText("memory.init")] MemoryInit = 0xFC_0008,
    [WasmText("memory.copy")] MemoryCopy = 0xFC_000A,
    [WasmText("memory.fill")] MemoryFill = 0xFC_000B,

    // SIMD128 (0xFD prefix): memory
    [WasmText("v128.load")] V128Load = 0xFD_0000,
    [WasmText("v128.load8_splat")] V128Load8Splat = 0xFD_0007,
    [WasmText("v128.load32_splat")] V128Load32Splat = 0xFD_0009,
    [WasmText("v128.store")] V128Store = 0xFD_000B,
    [WasmText("v128.const")] V128Const = 0xFD_000C,
    [WasmText("i8x16.shuffle")] I8x16Shuffle = 0xFD_000D,
    [WasmText("i32x4.splat")] I32x4Splat = 0xFD_0011,
    [WasmText("f32x4.splat")] F32x4Splat = 0xFD_0013,
    [WasmText("i32x4.extract_lane")] I32x4ExtractLane = 0xFD_001B,
    [WasmText("i32x4.replace_lane")] I32x4ReplaceLane = 0xFD_001C,
    [WasmText("f32x4.extract_lane")] F32x4ExtractLane = 0xFD_001F,
    [WasmText("f32x4.replace_lane")] F32x4ReplaceLane = 0xFD_0020,

    // SIMD128: comparisons
    [WasmText("i32x4.eq")] I32x4Eq = 0xFD_0037,
    [WasmText("i32x4.ne")] I32x4Ne = 0xFD_0038,
    [WasmText("i32x4.lt_s")] I32x4LtS = 0xFD_0039,
    [WasmText("i32x4.lt_u")] I32x4LtU = 0xFD_003A,
    [WasmText("i32x4.gt_s")] I32x4GtS = 0xFD_003B,
    [WasmText("i32x4.gt_u")] I32x4GtU = 0xFD_003C,
    [WasmText("i32x4.le_s")] I32x4LeS = 0xFD_003D,
    [WasmText("i32x4.le_u")] I32x4LeU = 0xFD_003E,
    [WasmText("i32x4.ge_s")] I32x4GeS = 0xFD_003F,
    [WasmText("i32x4.ge_u")] I32x4GeU = 0xFD_0040,
    [WasmText("f32x4.eq")] F32x4Eq = 0xFD_0041,
    [WasmText("f32x4.ne")] F32x4Ne = 0xFD_0042,
    [WasmText("f32x4.lt")] F32x4Lt = 0xFD_0043,
    [WasmText("f32x4.gt")] F32x4Gt = 0xFD_0044,
    [WasmText("f32x4.le")] F32x4Le = 0xFD_0045,
    [WasmText("f32x4.ge")] F32x4Ge = 0xFD_0046,

    // SIMD128: bitwise
    [WasmText("v128.not")] V128Not = 0xFD_004D,
    [WasmText("v128.and")] V128And = 0xFD_004E,
    [WasmText("v128.andnot")] V128AndNot = 0xFD_004F,
    [WasmText("v128.or")] V128Or = 0xFD_0050,
    [WasmText("v128.xor")] V128Xor = 0xFD_0051,
    [WasmText("v128.bitselect")] V128Bitselect = 0xFD_0052,
    [WasmText("v128.any_true")] V128AnyTrue = 0xFD_0053,

    // SIMD128: lane memory
    [WasmText("v128.load8_lane")] V128Load8Lane = 0xFD_0054,
    [WasmText("v128.load32_lane")] V128Load32Lane = 0xFD_0056,
    [WasmText("v128.load64_lane")] V128Load64Lane = 0xFD_0057,
    [WasmText("v128.store8_lane")] V128Store8Lane = 0xFD_0058,
    [WasmText("v128.store32_lane")] V128Store32Lane = 0xFD_005A,
    [WasmText("v128.store64_lane")] V128Store64Lane = 0xFD_005B,
    [WasmText("v128.load32_zero")] V128Load32Zero = 0xFD_005C,
    [WasmText("v128.load64_zero")] V128Load64Zero = 0xFD_005D,

    // SIMD128: f32x4 rounding
    [WasmText("f32x4.ceil")] F32x4Ceil = 0xFD_0067,
    [WasmText("f32x4.floor")] F32x4Floor = 0xFD_0068,
    [WasmText("f32x4.trunc")] F32x4Trunc = 0xFD_0069,
    [WasmText("f32x4.nearest")] F32x4Nearest = 0xFD_006A,

    // SIMD128: i32x4 arithmetic
    [WasmText("i32x4.abs")] I32x4Abs = 0xFD_00A0,
    [WasmText("i32x4.neg")] I32x4Neg = 0xFD_00A1,
    [WasmText("i32x4.shl")] I32x4Shl = 0xFD_00AB,
    [WasmText("i32x4.shr_s")] I32x4ShrS = 0xFD_00AC,
    [WasmText("i32x4.shr_u")] I32x4ShrU = 0xFD_00AD,
    [WasmText("i32x4.add")] I32x4Add = 0xFD_00AE,
    [WasmText("i32x4.sub")] I32x4Sub = 0xFD_00B1,
    [WasmText("i32x4.mul")] I32x4Mul = 0xFD_00B5,
    [WasmText("i32x4.min_s")] I32x4MinS = 0xFD_00B6,
    [WasmText("i32x4.max_s")] I32x4MaxS = 0xFD_00B8,

    // SIMD128: f32x4 arithmetic
    [WasmText("f32x4.abs")] F32x4Abs = 0xFD_00E0,
    [WasmText("f32x4.neg")] F32x4Neg = 0xFD_00E1,
    [WasmText("f32x4.sqrt")] F32x4Sqrt = 0xFD_00E3,
    [WasmText("f32x4.add")] F32x4Add = 0xFD_00E4,
    [WasmText("f32x4.sub")] F32x4Sub = 0xFD_00E5,
    [WasmText("f32x4.mul")] F32x4Mul = 0xFD_00E6,
    [WasmText("f32x4.div")] F32x4Div = 0xFD_00E7,
    [WasmText("f32x4.min")] F32x4Min = 0xFD_00E8,
    [WasmText("f32x4.max")] F32x4Max = 0xFD_00E9,
    [WasmText("f32x4.pmin")] F32x4PMin = 0xFD_00EA,
    [WasmText("f32x4.pmax")] F32x4PMax = 0xFD_00EB,

    // SIMD128: conversions
    [WasmText("i32x4.trunc_sat_f32x4_s")] I32x4TruncSatF32x4S = 0xFD_00F8,
    [WasmText("f32x4.convert_i32x4_s")] F32x4ConvertI32x4S = 0xFD_00FA,

    // relaxed SIMD
    [WasmText("f32x4.relaxed_madd")] F32x4RelaxedMadd = 0xFD_0105,
    [WasmText("f32x4.relaxed_nmadd")] F32x4RelaxedNmadd = 0xFD_0106,
    [WasmText("f32x4.relaxed_min")] F32x4RelaxedMin = 0xFD_010D,
    [WasmText("f32x4.relaxed_max")] F32x4RelaxedMax = 0xFD_010E,
}

/// <summary>Encoding facts of <see cref="WasmOpcode"/>.</summary>
public static class WasmOpcodes
{
    private static readonly Dictionary<WasmOpcode, string> s_names = typeof(WasmOpcode).GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
        .ToDictionary(f => (WasmOpcode)f.GetValue(null)!, f => f.GetCustomAttributes(typeof(WasmTextAttribute), false).Cast<WasmTextAttribute>().Single().Name);

    /// <summary>The text-format name (<c>f32x4.relaxed_madd</c>).</summary>
    public static string TextName(this WasmOpcode op) => s_names[op];

    /// <summary>The prefix byte, or 0 for a single-byte opcode.</summary>
    public static byte Prefix(this WasmOpcode op) => (byte)((int)op >> 16);

    /// <summary>The opcode after the prefix (a LEB128 u32 when prefixed).</summary>
    public static int Code(this WasmOpcode op) => (int)op & 0xFFFF;

    public static WasmFeature Feature(this WasmOpcode op) => op.Prefix() switch
    {
        0xFC => op == WasmOpcode.I32TruncSatF32S ? WasmFeature.Mvp : WasmFeature.BulkMemory,
        0xFD => op.Code() >= 0x100 ? WasmFeature.RelaxedSimd : WasmFeature.Simd128,
        _ => WasmFeature.Mvp,
    };

    /// <summary>Every opcode with its name (tests, docs).</summary>
    public static IReadOnlyDictionary<WasmOpcode, string> All => s_names;
}
