using static TorchSharp.torch;
using static VideoLoopback.Diffusion.Sampling.SamplerMath;

namespace VideoLoopback.Diffusion.Sampling;

/// <summary>UniPC's B(h) choice (WebUI option uni_pc_variant; vary_coeff is not ported).</summary>
public enum UniPcVariant { Bh1, Bh2 }

/// <summary>How UniPC spaces its times (WebUI option uni_pc_skip_type; logSNR is not ported).</summary>
public enum UniPcSkipType { TimeUniform, TimeQuadratic }

/// <summary>
/// "UniPC" as WebUI runs it (sd_samplers_timesteps_impl.unipc over models/diffusion/uni_pc/uni_pc.py): the multistep
/// unified predictor–corrector in data-prediction form on the discrete VP schedule. It takes only the number of
/// timesteps it is handed and spaces its own continuous times t ∈ (0, 1] from t_T down to 1/1000 (model time
/// (t − 1/1000)·1000); txt2img starts at t_T = 1, img2img one model time step above the last timestep handed over
/// (upstream's "likely off by a bit", kept). The first order − 1 steps warm up with lower orders, the last steps drop
/// the order again (lower_order_final), and the last step runs no corrector, so a run of n steps calls the model n
/// times. Scalars are float32 as upstream's tensors; draws no noise. The callback comes after each step with the
/// corrector's data prediction; the last step has none (upstream reports None) and reports x itself.
/// </summary>
public static class UniPc
{
    /// <summary>WebUI's default order (option uni_pc_order).</summary>
    public const int WebUiOrder = 3;

    /// <summary>WebUI's defaults: bh1, time_uniform, order 3, lower_order_final on.</summary>
    public static Tensor Sample(TimestepSamplerContext c, Tensor input) => Sample(c, input, UniPcVariant.Bh1);

    public static Tensor Sample(TimestepSamplerContext c, Tensor input, UniPcVariant variant,
        UniPcSkipType skipType = UniPcSkipType.TimeUniform, int order = WebUiOrder, bool lowerOrderFinal = true)
    {
        int steps = c.Timesteps.Count;
        if (order is < 1 or > 3) throw new ArgumentOutOfRangeException(nameof(order), order, "UniPC order must be 1, 2 or 3");
        if (steps < order)
            throw new ArgumentException($"UniPC runs {steps} step(s) here, fewer than its order {order} (WebUI stops with the same assertion)");
        var schedule = new VpSchedule(c.Schedule);
        float tT = c.IsImg2Img ? c.Timesteps[^1] / 1000f + 0.001f : 1f;
        var times = Times(skipType, tT, 1f / schedule.TotalN, steps);

        var models = new List<Tensor>();   // data predictions at the times below, oldest first
        var modelTimes = new List<float>();
        var x = input;
        try
        {
            models.Add(DataPrediction(c, schedule, x, times[0]));
            modelTimes.Add(times[0]);
            for (int step = 1; step <= steps; step++)
            {
                using var scope = NewDisposeScope();
                bool warmUp = step < order;
                int stepOrder = warmUp ? step : lowerOrderFinal ? Math.Min(order, steps + 1 - step) : order;
                bool corrector = step < steps;
                var (next, modelNext) = Update(c, schedule, variant, x, models, modelTimes, times[step], stepOrder, corrector);
                c.Report(step - 1, next, modelNext ?? next);
                if (!warmUp) { models[0].Dispose(); models.RemoveAt(0); modelTimes.RemoveAt(0); }
                if (step < steps)
                {
                    models.Add(Keep(modelNext!));
                    modelTimes.Add(times[step]);
                }
                Advance(ref x, next, input);
            }
        }
        finally
        {
            foreach (var m in models) m.Dispose();
        }
        return x;
    }

    /// <summary>The continuous times t_T … t_0 (steps + 1 values), as torch.linspace in float32.</summary>
    private static float[] Times(UniPcSkipType skipType, float tT, float t0, int steps) => skipType switch
    {
        UniPcSkipType.TimeUniform => Float32Linspace.Create(tT, t0, steps + 1),
        _ => Float32Linspace.Create(MathF.Sqrt(tT), (float)Math.Sqrt(0.001), steps + 1).Select(v => v * v).ToArray(),
    };

    /// <summary>x0 = (x − σ_t·eps(x, t)) / α_t, with the model called at (t − 1/N)·1000.</summary>
    private static Tensor DataPrediction(TimestepSamplerContext c, VpSchedule schedule, Tensor x, float t)
    {
        using var scope = NewDisposeScope();
        float modelTime = (t - 1f / schedule.TotalN) * 1000f;
        using var tIn = full([x.shape[0]], modelTime, dtype: x.dtype, device: x.device);
        var eps = c.Model(x, tIn);
        float logAlpha = schedule.LogAlpha(t);
        return ((x - eps * VpSchedule.Std(logAlpha)) / MathF.Exp(logAlpha)).MoveToOuterDisposeScope();
    }

    /// <summary>One multistep B(h) update from the last of <paramref name="models"/> to time <paramref name="t"/>.</summary>
    private static (Tensor X, Tensor? Model) Update(TimestepSamplerContext c, VpSchedule ns, UniPcVariant variant, Tensor x,
        List<Tensor> models, List<float> modelTimes, float t, int order, bool useCorrector)
    {
        float tPrev0 = modelTimes[^1];
        var modelPrev0 = models[^1];
        float lambdaPrev0 = ns.Lambda(tPrev0), lambdaT = ns.Lambda(t);
        float logAlphaT = ns.LogAlpha(t);
        float sigmaPrev0 = VpSchedule.Std(ns.LogAlpha(tPrev0)), sigmaT = VpSchedule.Std(logAlphaT);
        float alphaT = MathF.Exp(logAlphaT);
        float h = lambdaT - lambdaPrev0;

        var rks = new float[order];
        var d1s = new List<Tensor>();
        for (int i = 1; i < order; i++)
        {
            float rk = (ns.Lambda(modelTimes[^(i + 1)]) - lambdaPrev0) / h;
            rks[i - 1] = rk;
            d1s.Add((models[^(i + 1)] - modelPrev0) / rk);
        }
        rks[order - 1] = 1f;

        float hh = -h;
        float hPhi1 = (float)Expm1(hh);
        float hPhiK = hPhi1 / hh - 1f;
        float bH = variant == UniPcVariant.Bh1 ? hh : (float)Expm1(hh);
        var r = new float[order, order];
        var b = new float[order];
        int factorial = 1;
        for (int i = 1; i <= order; i++)
        {
            for (int k = 0; k < order; k++) r[i - 1, k] = i == 1 ? 1f : i == 2 ? rks[k] : rks[k] * rks[k];
            b[i - 1] = hPhiK * factorial / bH;
            factorial *= i + 1;
            hPhiK = hPhiK / hh - 1f / factorial;
        }

        var xBase = x * (sigmaT / sigmaPrev0) - modelPrev0 * (alphaT * hPhi1);
        Tensor xT = xBase;
        if (d1s.Count > 0)
        {
            var rhosP = order == 2 ? [0.5f] : Solve(r, b, order - 1);
            xT = xBase - Combine(rhosP, d1s) * (alphaT * bH);
        }
        if (!useCorrector) return (xT, null);

        var modelT = DataPrediction(c, ns, xT, t);
        var rhosC = order == 1 ? [0.5f] : Solve(r, b, order);
        var correction = (modelT - modelPrev0) * rhosC[^1];
        if (d1s.Count > 0) correction = Combine(rhosC, d1s) + correction;
        return (xBase - correction * (alphaT * bH), modelT);
    }

    /// <summary>Σ_k rhos[k]·d1s[k] over the history differences (einsum 'k,bkchw->bchw').</summary>
    private static Tensor Combine(float[] rhos, List<Tensor> d1s)
    {
        var sum = d1s[0] * rhos[0];
        for (int k = 1; k < d1s.Count; k++) sum = sum + d1s[k] * rhos[k];
        return sum;
    }

    /// <summary>Solves the leading n×n block of R·ρ = b (Gaussian elimination with partial pivoting, float32 as LAPACK's sgesv).</summary>
    private static float[] Solve(float[,] r, float[] b, int n)
    {
        var a = new float[n, n];
        var y = new float[n];
        for (int i = 0; i < n; i++) { y[i] = b[i]; for (int j = 0; j < n; j++) a[i, j] = r[i, j]; }
        for (int k = 0; k < n; k++)
        {
            int pivot = k;
            for (int i = k + 1; i < n; i++) if (MathF.Abs(a[i, k]) > MathF.Abs(a[pivot, k])) pivot = i;
            if (pivot != k)
            {
                for (int j = 0; j < n; j++) (a[k, j], a[pivot, j]) = (a[pivot, j], a[k, j]);
                (y[k], y[pivot]) = (y[pivot], y[k]);
            }
            for (int i = k + 1; i < n; i++)
            {
                float l = a[i, k] / a[k, k];
                for (int j = k; j < n; j++) a[i, j] -= l * a[k, j];
                y[i] -= l * y[k];
            }
        }
        var rho = new float[n];
        for (int i = n - 1; i >= 0; i--)
        {
            float s = y[i];
            for (int j = i + 1; j < n; j++) s -= a[i, j] * rho[j];
            rho[i] = s / a[i, i];
        }
        return rho;
    }

    /// <summary>
    /// UniPC's discrete VP schedule (NoiseScheduleVP('discrete')): log α at t_n = (n+1)/N is ½·log(alphas_cumprod[n]),
    /// linearly interpolated (and extrapolated) in t, in float32.
    /// </summary>
    private sealed class VpSchedule
    {
        private readonly float[] times;
        private readonly float[] logAlphas;

        public VpSchedule(DiscreteSchedule schedule)
        {
            TotalN = schedule.Timesteps;
            times = Float32Linspace.Create(0f, 1f, TotalN + 1)[1..];
            logAlphas = schedule.AlphasCumprod.Select(ac => 0.5f * MathF.Log(ac)).ToArray();
        }

        public int TotalN { get; }

        public float LogAlpha(float t)
        {
            int above = 0; // keypoints below t: t sorts in after them
            while (above < times.Length && times[above] < t) above++;
            int start = Math.Clamp(above - 1, 0, times.Length - 2);
            float x0 = times[start], x1 = times[start + 1];
            return logAlphas[start] + (t - x0) * (logAlphas[start + 1] - logAlphas[start]) / (x1 - x0);
        }

        public static float Std(float logAlpha) => MathF.Sqrt(1f - MathF.Exp(2f * logAlpha));

        public float Lambda(float t)
        {
            float logAlpha = LogAlpha(t);
            return logAlpha - 0.5f * MathF.Log(1f - MathF.Exp(2f * logAlpha));
        }
    }
}
