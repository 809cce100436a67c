using System.Runtime.InteropServices;

namespace VideoLoopback.Video.Imaging;

/// <summary>
/// Tells pipes, sockets and devices from regular files without opening them: opening a FIFO for reading blocks until
/// a writer appears, so a listing or an image read must check first. .NET reports no file type, so Linux's statx does
/// (its struct layout is the same on every architecture); elsewhere nothing is special.
/// </summary>
internal static class SpecialFile
{
    private const int AtFdCwd = -100;
    private const uint StatxType = 0x1;
    private const int ModeOffset = 28;
    private const int TypeMask = 0xF000, Regular = 0x8000, Directory = 0x4000;

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern unsafe int Statx(int dirFd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte* buffer);

    /// <summary>True when <paramref name="path"/> (symbolic links followed) exists and is neither a regular file nor a folder.</summary>
    public static bool Is(string path)
    {
        if (!OperatingSystem.IsLinux()) return false;
        Span<byte> status = stackalloc byte[256];
        int result;
        try
        {
            unsafe
            {
                fixed (byte* p = status) result = Statx(AtFdCwd, path, 0, StatxType, p);
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return false; }
        if (result != 0) return false; // missing or unreachable: opening it reports why
        var type = BitConverter.ToUInt16(status[ModeOffset..]) & TypeMask;
        return type is not (Regular or Directory);
    }
}
