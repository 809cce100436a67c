using System.Runtime.InteropServices;

namespace VideoLoopback.Diffusion.Nn;

/// <summary>
/// libtorch's global CPU backend switches that TorchSharp does not bind (<c>torch.backends.nnpack</c> in Python),
/// called in libtorch directly through its Linux symbols. Where that is not possible nothing changes.
/// </summary>
public static class LibTorchSwitches
{
    [DllImport("torch_cpu", EntryPoint = "_ZN2at13globalContextEv")]
    private static extern IntPtr GlobalContext();

    [DllImport("torch_cpu", EntryPoint = "_ZN2at7Context20setUserEnabledNNPACKEb")]
    private static extern void SetUserEnabledNnpack(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);

    [DllImport("torch_cpu", EntryPoint = "_ZNK2at7Context17userEnabledNNPACKEv")]
    [return: MarshalAs(UnmanagedType.U1)]
    private static extern bool UserEnabledNnpack(IntPtr context);

    private static readonly Lazy<IntPtr> Context = new(() =>
    {
        if (!OperatingSystem.IsLinux()) return IntPtr.Zero;
        try
        {
            TorchSharp.torch.InitializeDeviceType(TorchSharp.DeviceType.CPU); // loads libtorch before its symbols are looked up
            var context = GlobalContext();
            UserEnabledNnpack(context);
            return context;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            return IntPtr.Zero;
        }
    });

    /// <summary>Whether the switches can be reached in this process.</summary>
    public static bool Available => Context.Value != IntPtr.Zero;

    /// <summary>
    /// Turns NNPACK off; returns whether libtorch now reports it off. libtorch considers NNPACK for some CPU convolutions, and
    /// on CPUs where NNPACK cannot start ("Unsupported hardware") it logs a warning at every such call, dozens per frame; with
    /// it off, CPU convolutions stay on oneDNN or the native kernels on every CPU.
    /// </summary>
    public static bool TryDisableNnpack()
    {
        if (!Available) return false;
        SetUserEnabledNnpack(Context.Value, false);
        return !UserEnabledNnpack(Context.Value);
    }
}
