using System.Runtime.InteropServices;

namespace VideoLoopback.Diffusion.Nn;

/// <summary>
/// libtorch considers NNPACK for some CPU convolutions; on CPUs where NNPACK cannot start ("Unsupported hardware") it logs a
/// warning at every such call, dozens per frame. Switching NNPACK off, as <c>torch.backends.nnpack.set_flags(False)</c> does,
/// keeps CPU convolutions on oneDNN everywhere: no log noise, and the same arithmetic on every CPU. TorchSharp has no binding
/// for the switch, so it is called in libtorch directly (Linux symbols); where that is not possible nothing changes.
/// </summary>
public static class NnpackSwitch
{
    [DllImport("torch_cpu", EntryPoint = "_ZN2at13globalContextEv")]
    private static extern IntPtr GlobalContext();

    [DllImport("torch_cpu", EntryPoint = "_ZN2at7Context20setUserEnabledNNPACKEb")]
    private static extern void SetUserEnabledNnpack(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);

    [DllImport("torch_cpu", EntryPoint = "_ZNK2at7Context17userEnabledNNPACKEv")]
    [return: MarshalAs(UnmanagedType.U1)]
    private static extern bool UserEnabledNnpack(IntPtr context);

    /// <summary>Turns NNPACK off; returns whether libtorch now reports it off.</summary>
    public static bool TryDisable()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            TorchSharp.torch.InitializeDeviceType(TorchSharp.DeviceType.CPU); // loads libtorch before its symbols are looked up
            var context = GlobalContext();
            SetUserEnabledNnpack(context, false);
            return !UserEnabledNnpack(context);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            return false;
        }
    }
}
