using System.Runtime.InteropServices;

namespace WebDnn.Tests.Support;

/// <summary>POSIX calls .NET does not wrap, for building hostile folders in tests.</summary>
internal static class Posix
{
    // NOTE: DllImport, not LibraryImport: the source-generated stub needs unsafe code, which the project does not allow.
#pragma warning disable SYSLIB1054 // see the note above
    [DllImport("libc", SetLastError = true)]
    private static extern int mkfifo([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode);
#pragma warning restore SYSLIB1054

    /// <summary>Creates a named pipe (rw-rw-rw-); opening it for reading blocks until a writer comes.</summary>
    public static void MakeFifo(string path)
    {
        if (mkfifo(path, 0x1b6) != 0)
        {
            throw new IOException($"mkfifo {path} failed (errno {Marshal.GetLastPInvokeError()})");
        }
    }
}
