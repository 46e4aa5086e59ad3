namespace WebDnn.Backends.Wasm.Encoding;

/// <summary>LEB128 variable-length integers, as the binary format writes every index, count and immediate.</summary>
public static class Leb128
{
    public static void WriteU32(List<byte> o, uint v)
    {
        do
        {
            byte b = (byte)(v & 0x7F);
            v >>= 7;
            o.Add(v != 0 ? (byte)(b | 0x80) : b);
        }
        while (v != 0);
    }

    public static void WriteS32(List<byte> o, int v) => WriteS64(o, v);

    public static void WriteS64(List<byte> o, long v)
    {
        while (true)
        {
            byte b = (byte)(v & 0x7F);
            v >>= 7;
            bool done = (v == 0 && (b & 0x40) == 0) || (v == -1 && (b & 0x40) != 0);
            o.Add(done ? b : (byte)(b | 0x80));
            if (done)
            {
                return;
            }
        }
    }
}
