using System.Runtime.InteropServices;

namespace VideoLoopback.Diffusion.Nn;

/// <summary>
/// libtorch's global CPU backend switches that TorchSharp does not bind (<c>torch.backends.nnpack/mkldnn</c> in Python),
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

    [DllImport("torch_cpu", EntryPoint = "_ZN2at7Context20setUserEnabledMkldnnEb")]
    private static extern void SetUserEnabledMkldnn(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);

    [DllImport("torch_cpu", EntryPoint = "_ZNK2at7Context17userEnabledMkldnnEv")]
    [return: MarshalAs(UnmanagedType.U1)]
    private static extern bool UserEnabledMkldnn(IntPtr context);

    private static readonly Lazy<IntPtr> Context = new(() =>
    {
        if (!OperatingSystem.IsLinux()) return IntPtr.Zero;
        try
        {
            TorchSharp.torch.InitializeDeviceType(TorchSharp.DeviceType.CPU); // loads libtorch before its symbols are looked up
            var context = GlobalContext();
            UserEnabledMkldnn(context);
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

    /// <summary>
    /// Runs <paramref name="work"/> with libtorch's oneDNN (mkldnn) CPU kernels off, so convolutions take libtorch's native
    /// im2col + GEMM path (where the switch is unreachable it simply runs). On the development machine FastDVDNet's float32
    /// output on oneDNN was up to 0.08 off or NaN (the UNet's error there was oneDNN's channels-last 1x1 convolutions, which
    /// the attention layers now avoid; see SpatialTransformer). The native path needs im2col buffers of C·9·H·W values, so
    /// large-image networks (the VAE at 512²: 3× slower, 2 GB more) are better left on oneDNN. The switch is process-wide:
    /// only for work that no other thread runs convolutions alongside.
    /// </summary>
    public static T WithoutOneDnn<T>(Func<T> work)
    {
        if (!Available) return work();
        bool before = UserEnabledMkldnn(Context.Value);
        SetUserEnabledMkldnn(Context.Value, false);
        try { return work(); }
        finally { SetUserEnabledMkldnn(Context.Value, before); }
    }

    /// <summary>As <see cref="WithoutOneDnn{T}(Func{T})"/> for work without a result.</summary>
    public static void WithoutOneDnn(Action work) => WithoutOneDnn(() =>
    {
        work();
        return true;
    });
}
