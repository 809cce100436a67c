using static TorchSharp.torch;
using static VideoLoopback.Diffusion.Sampling.SamplerMath;

namespace VideoLoopback.Diffusion.Sampling;

/// <summary>
/// "Restart" (Xu et al. 2023, WebUI's sd_samplers_extra): Heun steps; from 20 steps on, the schedule
/// is rebuilt as Karras over fewer steps and, on reaching sigma ≈ 0.1, noise is added back up to
/// sigma ≈ 2 and that stretch is re-run (once; twice from 36 steps).
/// </summary>
public static class Restart
{
    public static Tensor Sample(SamplerContext c, Tensor input)
    {
        var steps = PlanSteps(c.Sigmas);
        var x = input;
        double? lastSigma = null;
        for (int stepId = 0; stepId < steps.Count; stepId++)
        {
            using var scope = NewDisposeScope();
            var (oldSigma, newSigma) = steps[stepId];
            var current = x;
            if (lastSigma is { } last && last < oldSigma)
                current = x + c.RandnLike() * (c.SNoise * Math.Sqrt(oldSigma * oldSigma - last * last));
            var denoised = c.Denoise(current, oldSigma);
            var d = ToD(current, oldSigma, denoised);
            c.Report(stepId, current, newSigma, oldSigma, denoised);
            double dt = newSigma - oldSigma;
            Tensor next;
            if (newSigma == 0)
            {
                next = current + d * dt;
            }
            else
            {
                var x2 = current + d * dt;
                var d2 = ToD(x2, newSigma, c.Denoise(x2, newSigma));
                next = current + (d + d2) / 2 * dt;
            }
            Advance(ref x, next, input);
            lastSigma = newSigma;
        }
        return x;
    }

    /// <summary>The (sigma_from, sigma_to) pairs the sampler walks, restart segments included.</summary>
    public static List<(float From, float To)> PlanSteps(IReadOnlyList<float> sigmasIn)
    {
        var sigmas = sigmasIn.ToArray();
        int steps = sigmas.Length - 1;
        // restart point index → (restart steps, restart times, restart max sigma)
        var restarts = new Dictionary<int, (int Steps, int Times, double Max)>();
        if (steps >= 20)
        {
            int restartSteps = 9, restartTimes = 1;
            if (steps >= 36) { restartSteps = steps / 4; restartTimes = 2; }
            sigmas = SigmaSchedules.Karras(steps - restartSteps * restartTimes, sigmas[^2], sigmas[0]);
            restarts[Nearest(sigmas, 0.1)] = (restartSteps + 1, restartTimes, 2.0);
        }

        var plan = new List<(float, float)>();
        for (int i = 0; i < sigmas.Length - 1; i++)
        {
            plan.Add((sigmas[i], sigmas[i + 1]));
            if (!restarts.TryGetValue(i + 1, out var restart)) continue;
            int minIndex = i + 1, maxIndex = Nearest(sigmas, restart.Max);
            if (maxIndex >= minIndex) continue;
            var restartSigmas = SigmaSchedules.Karras(restart.Steps, sigmas[minIndex], sigmas[maxIndex])[..^1];
            for (int time = 0; time < restart.Times; time++)
                for (int k = 0; k < restartSigmas.Length - 1; k++)
                    plan.Add((restartSigmas[k], restartSigmas[k + 1]));
        }
        return plan;
    }

    /// <summary>Index of the sigma nearest to <paramref name="value"/> (first on ties, like argmin).</summary>
    private static int Nearest(float[] sigmas, double value)
    {
        int best = 0;
        float bestDistance = float.PositiveInfinity;
        for (int i = 0; i < sigmas.Length; i++)
        {
            float distance = MathF.Abs(sigmas[i] - (float)value);
            if (distance < bestDistance) { bestDistance = distance; best = i; }
        }
        return best;
    }
}
