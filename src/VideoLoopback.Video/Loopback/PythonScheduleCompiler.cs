using VideoLoopback.Video.Imaging;
using VideoLoopback.Video.Schedules;

namespace VideoLoopback.Video.Loopback;

/// <summary>
/// Schedules in the original's Python expression syntax (the safe evaluator of <see cref="Schedule"/>); post-processing
/// lambdas become chains of the PIL-exact <see cref="ImageFilters"/>.
/// </summary>
public sealed class PythonScheduleCompiler : IScheduleCompiler
{
    public ICompiledSchedule Compile(string name, string expression)
    {
        try
        {
            return new Compiled(Schedule.Parse(name, expression));
        }
        catch (ScheduleException e)
        {
            throw new JobException(e.Message, e);
        }
    }

    private sealed class Compiled(Schedule schedule) : ICompiledSchedule
    {
        public double AsDouble(int imageI, int loopI) => Guard(() => schedule.AsDouble(imageI, loopI));

        public long AsInt(int imageI, int loopI) => Guard(() => schedule.AsInt(imageI, loopI));

        public string AsString(int imageI, int loopI) => Guard(() => schedule.AsString(imageI, loopI));

        public IReadOnlyList<double> AsDoubleList(int imageI, int loopI) => Guard(() => schedule.AsDoubleList(imageI, loopI));

        public (long Count, long? BatchSize) AsBatchCount(int imageI, int loopI)
        {
            var b = Guard(() => schedule.AsBatchCount(imageI, loopI));
            return (b.Count, b.BatchSize);
        }

        public FramePostProcessor? AsPostProcessor(int imageI, int loopI)
        {
            var chain = Guard(() => schedule.AsFilterChain(imageI, loopI));
            if (chain is null || chain.IsIdentity) return null;
            var filters = Guard(() => chain.Steps.Select(s => ImageFilters.Create(s.Name, s.Args)).ToArray());
            return frame =>
            {
                var current = frame;
                foreach (var filter in filters)
                {
                    var next = filter.Apply(current);
                    if (!ReferenceEquals(current, frame)) current.Dispose();
                    current = next;
                }
                return current;
            };
        }

        private T Guard<T>(Func<T> evaluate)
        {
            try
            {
                return evaluate();
            }
            catch (ScheduleException e)
            {
                throw new JobException(e.Message, e);
            }
            catch (ArgumentException e)
            {
                throw new JobException($"{schedule.Name}: {e.Message}", e);
            }
        }
    }
}
