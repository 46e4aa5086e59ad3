using Google.Protobuf.Reflection;

namespace WebDnn.Onnx;

/// <summary>
/// Finds where a damaged protobuf stops being well formed, for the error message (Google.Protobuf's exceptions do not
/// carry the position). Walks the wire format driven by the message descriptors, descending into sub-messages, and
/// returns the offset of the first field whose tag, varint or length is broken.
/// </summary>
internal static class WireScan
{
    /// <summary>The same nesting limit Google.Protobuf applies when parsing.</summary>
    private const int MaxDepth = 100;

    /// <summary>Byte offset of the first malformed field, or null when the framing is intact (the error is elsewhere).</summary>
    public static long? FirstError(ReadOnlySpan<byte> data, MessageDescriptor descriptor) => Scan(data, 0, descriptor, 0);

    private static long? Scan(ReadOnlySpan<byte> data, long at, MessageDescriptor? descriptor, int depth)
    {
        int pos = 0;
        while (pos < data.Length)
        {
            int start = pos;
            if (!Varint(data, ref pos, out ulong tag) || tag >> 3 == 0)
            {
                return at + start;
            }
            switch ((int)(tag & 7))
            {
                case 0:
                    if (!Varint(data, ref pos, out _))
                    {
                        return at + start;
                    }
                    break;
                case 1 or 5:
                    int width = (tag & 7) == 1 ? 8 : 4;
                    if (data.Length - pos < width)
                    {
                        return at + start;
                    }
                    pos += width;
                    break;
                case 2:
                    if (!Varint(data, ref pos, out ulong len) || len > (ulong)(data.Length - pos))
                    {
                        return at + start;
                    }
                    var field = descriptor?.FindFieldByNumber((int)Math.Min(tag >> 3, int.MaxValue));
                    if (field?.FieldType == FieldType.Message && depth < MaxDepth
                        && Scan(data.Slice(pos, (int)len), at + pos, field.MessageType, depth + 1) is { } inner)
                    {
                        return inner;
                    }
                    pos += (int)len;
                    break;
                default:
                    // Groups (3, 4) are not used by ONNX; 6 and 7 do not exist.
                    return at + start;
            }
        }
        return null;
    }

    private static bool Varint(ReadOnlySpan<byte> data, ref int pos, out ulong value)
    {
        value = 0;
        for (int shift = 0; shift < 64 && pos < data.Length; shift += 7)
        {
            byte b = data[pos++];
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80)
            {
                return true;
            }
        }
        return false;
    }
}
