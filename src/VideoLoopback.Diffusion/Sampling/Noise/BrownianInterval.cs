using System.Numerics;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Sampling.Noise;

/// <summary>
/// torchsde 0.2.6's <c>BrownianInterval</c> as <c>torchsde.BrownianTree</c> configures it (halfway tree,
/// tolerance 1e-6, entropy pool of 24 words, no Lévy area): one Brownian motion W on [t0, t1], queried by
/// increments W(tb) − W(ta). The motion is a binary tree of intervals, each split at its (rounded)
/// midpoint; a child's increment is the Brownian bridge of its parent's increment with noise drawn from a
/// generator seeded by the parent's own seed. Seeds come from numpy's SeedSequence keyed by the node's
/// position, so the motion depends only on the entropy — not on which intervals were asked for, or in
/// which order. Every time is quantised to 1e-6 with Python's round, as upstream.
/// Computed increments are kept in a least-recently-used cache (recomputing gives the same bits, so its
/// size only affects speed): consecutive sampler queries share an endpoint, so holding a few root-to-leaf
/// paths means each query computes only the new endpoint's path.
/// </summary>
public sealed class BrownianInterval : IDisposable
{
    private readonly BigInteger _entropy;
    private readonly int _poolSize;
    private readonly int _digits;
    private readonly Func<uint, Tensor> _randn;
    private readonly Node _root;
    private readonly Tensor _rootIncrement;
    private readonly int _cacheSize;
    private readonly LinkedList<Node> _recent = new(); // most recently used first

    /// <param name="t0">start time (as upstream's float(t0)).</param>
    /// <param name="t1">end time, ≥ t0.</param>
    /// <param name="entropy">the seed (torchsde's entropy).</param>
    /// <param name="randn">standard normal noise of the motion's shape, dtype and device from a fresh generator seeded with the given seed.</param>
    /// <param name="tolerance">time resolution; times are rounded to −int(log10(tolerance)) decimals.</param>
    /// <param name="poolSize">SeedSequence pool size.</param>
    /// <param name="cacheSize">how many node increments to keep (speed only); null = four root-to-leaf paths.</param>
    public BrownianInterval(double t0, double t1, BigInteger entropy, Func<uint, Tensor> randn,
        double tolerance = 1e-6, int poolSize = 24, int? cacheSize = null)
    {
        if (!double.IsFinite(t0) || !double.IsFinite(t1)) throw new ArgumentException($"Brownian interval times must be finite; got [{t0}, {t1}]");
        if (t0 > t1) throw new ArgumentException($"Brownian interval start {t0} must not exceed its end {t1}");
        if (!(tolerance > 0 && tolerance < 1)) throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "tolerance must lie in (0,1)");
        if (cacheSize < 1) throw new ArgumentOutOfRangeException(nameof(cacheSize), cacheSize, "cache size must be ≥ 1");
        // The tree is about log2(length / tolerance) levels deep where queries land.
        int depth = (int)Math.Ceiling(Math.Log2(Math.Max(t1 - t0, tolerance) / tolerance)) + 1;
        _entropy = entropy;
        _poolSize = poolSize;
        _digits = -(int)Math.Log10(tolerance);
        _randn = randn;
        _cacheSize = cacheSize ?? 4 * depth + 8;
        _root = new Node(Round(t0), Round(t1), null, false, BigInteger.Zero, 0);

        // The root's seeds: W, then H and the Lévy-area seed, which this configuration never uses.
        uint wSeed = new SeedSequence(entropy, poolSize: poolSize).GenerateState(1)[0];
        using var scope = NewDisposeScope();
        using var noise = randn(wSeed);
        // Scaled by the unrounded length, as upstream.
        _rootIncrement = (noise * Math.Sqrt(t1 - t0)).DetachFromDisposeScope();
    }

    public double Start => _root.Start;
    public double End => _root.End;

    /// <summary>W(tb) − W(ta) for ta ≤ tb; times outside [Start, End] are clamped to it (upstream warns and clamps).</summary>
    public Tensor Increment(double ta, double tb)
    {
        if (!double.IsFinite(ta) || !double.IsFinite(tb)) throw new ArgumentException($"Brownian query times must be finite; got [{ta}, {tb}]");
        ta = Math.Clamp(ta, _root.Start, _root.End);
        tb = Math.Clamp(tb, _root.Start, _root.End);
        if (ta > tb) throw new ArgumentException($"Brownian query times must satisfy ta ≤ tb; got ta={ta}, tb={tb}");
        ta = Round(ta);
        tb = Round(tb);
        // Equal after rounding: an empty increment (upstream returns zeros for equal times; for times
        // closer than the tolerance it would split down to an empty interval whose increment is zero).
        if (ta == tb) return zeros_like(_rootIncrement);

        var intervals = new List<Node>();
        Locate(_root, ta, tb, intervals);
        using var scope = NewDisposeScope();
        var sum = NodeIncrement(intervals[0]).clone();
        for (int i = 1; i < intervals.Count; i++) sum = sum + NodeIncrement(intervals[i]);
        return sum.MoveToOuterDisposeScope();
    }

    private double Round(double t) => DecimalRounding.Round(t, _digits);

    /// <summary>The tree nodes that tile [ta, tb] exactly, left to right, splitting nodes at their midpoints as needed.</summary>
    private void Locate(Node node, double ta, double tb, List<Node> found)
    {
        while (true)
        {
            if (ta == node.Start && tb == node.End)
            {
                found.Add(node);
                return;
            }
            if (node.Left is null)
            {
                Split(node, ta == node.Start ? tb : ta);
                continue;
            }
            if (tb <= node.Mid) { node = node.Left; continue; }
            if (ta >= node.Mid) { node = node.Right!; continue; }
            Locate(node.Left, ta, node.Mid, found);
            ta = node.Mid;
            node = node.Right!;
        }
    }

    /// <summary>Halves <paramref name="node"/>, then the half holding <paramref name="target"/>, … until a midpoint is the target.</summary>
    private void Split(Node node, double target)
    {
        for (int guard = 0; ; guard++)
        {
            if (guard > 256) throw new InvalidOperationException($"Brownian tree split did not reach time {target} (tolerance too fine for the interval)");
            double mid = Round(0.5 * (node.End + node.Start));
            node.Mid = mid;
            // Upstream draws four words (W, H and two Lévy-area seeds); only W's is used here, and the
            // first word does not depend on how many are drawn.
            node.WSeed = new SeedSequence(_entropy, [node.SpawnKey, node.Depth], _poolSize).GenerateState(1)[0];
            node.Left = new Node(Round(node.Start), mid, node, true, 2 * node.SpawnKey, node.Depth + 1);
            node.Right = new Node(mid, Round(node.End), node, false, 2 * node.SpawnKey + 1, node.Depth + 1);
            if (target > mid) node = node.Right;
            else if (target < mid) node = node.Left;
            else return;
        }
    }

    /// <summary>The increment over one node: from the nearest cached ancestor (or the root) down the bridge.</summary>
    private Tensor NodeIncrement(Node node)
    {
        if (node.Parent is null) return _rootIncrement;
        var path = new Stack<Node>();
        var n = node;
        while (n.Parent is not null && n.Increment is null)
        {
            path.Push(n);
            n = n.Parent;
        }
        Tensor parentIncrement;
        if (n.Parent is null) parentIncrement = _rootIncrement;
        else
        {
            Touch(n);
            parentIncrement = n.Increment!;
        }
        while (path.Count > 0)
        {
            var child = path.Pop();
            var increment = Bridge(child, parentIncrement);
            Remember(child, increment);
            parentIncrement = increment;
        }
        return parentIncrement;
    }

    /// <summary>
    /// The Brownian bridge: given the parent's increment W over [s, e] split at m, the left part is
    /// W·(m−s)/(e−s) + sqrt((m−s)(e−m)/(e−s))·Z with Z from the parent's seed; the right part is W minus it.
    /// Same operation order as upstream (float32 tensor times double scalars).
    /// </summary>
    private Tensor Bridge(Node child, Tensor parentIncrement)
    {
        var parent = child.Parent!;
        using var scope = NewDisposeScope();
        double hReciprocal = 1 / (parent.End - parent.Start);
        double leftDiff = parent.Mid - parent.Start;
        double rightDiff = parent.End - parent.Mid;
        var mean = parentIncrement * leftDiff * hReciprocal;
        double variance = leftDiff * rightDiff * hReciprocal;
        var noise = _randn(parent.WSeed);
        var left = mean + noise * Math.Sqrt(variance);
        var result = child.IsLeft ? left : parentIncrement - left;
        return result.DetachFromDisposeScope();
    }

    private void Touch(Node node)
    {
        _recent.Remove(node.CacheEntry!);
        _recent.AddFirst(node.CacheEntry!);
    }

    private void Remember(Node node, Tensor increment)
    {
        node.Increment = increment;
        node.CacheEntry = _recent.AddFirst(node);
        while (_recent.Count > _cacheSize)
        {
            var evicted = _recent.Last!.Value;
            _recent.RemoveLast();
            evicted.Increment!.Dispose();
            evicted.Increment = null;
            evicted.CacheEntry = null;
        }
    }

    public void Dispose()
    {
        foreach (var node in _recent)
        {
            node.Increment?.Dispose();
            node.Increment = null;
            node.CacheEntry = null;
        }
        _recent.Clear();
        _rootIncrement.Dispose();
    }

    private sealed class Node(double start, double end, Node? parent, bool isLeft, BigInteger spawnKey, int depth)
    {
        public double Start { get; } = start;
        public double End { get; } = end;
        public Node? Parent { get; } = parent;
        public bool IsLeft { get; } = isLeft;
        /// <summary>Position in the tree: root 0; children 2k (left) and 2k+1 (right), with the depth alongside.</summary>
        public BigInteger SpawnKey { get; } = spawnKey;
        public int Depth { get; } = depth;
        public double Mid { get; set; } = double.NaN;
        public uint WSeed { get; set; }
        public Node? Left { get; set; }
        public Node? Right { get; set; }
        public Tensor? Increment { get; set; }
        public LinkedListNode<Node>? CacheEntry { get; set; }
    }
}
