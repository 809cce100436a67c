using System.Buffers.Binary;
using System.Text;
using VideoLoopback.Diffusion.Safetensors;
using VideoLoopback.Tests.Shared;

namespace VideoLoopback.Diffusion.Tests.Safetensors;

/// <summary>
/// Random mutations of a real header (fixed seed, bounded count): the reader either accepts the
/// result or throws <see cref="SafetensorsException"/>, never anything else, and never hangs.
/// </summary>
public class SafetensorsHeaderFuzzTests
{
    private const int Mutations = 2000;
    private const int Seed = 20261125;
    private static readonly byte[] Interesting = Encoding.ASCII.GetBytes("\"{}[],:-+.0123456789eE \\/nulltrue")
        .Concat(new byte[] { 0x00, 0x7F, 0x80, 0xC0, 0xFF }).ToArray();

    [Fact]
    public async Task MutatedHeadersOnlyEverThrowSafetensorsException()
    {
        var path = GoldenData.Path("sd15", "tiny-sd15.safetensors");
        long fileLength = new FileInfo(path).Length;
        byte[] original;
        using (var stream = File.OpenRead(path))
        {
            var lengthBytes = new byte[8];
            stream.ReadExactly(lengthBytes);
            original = new byte[8 + (long)BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes)];
            lengthBytes.CopyTo(original, 0);
            stream.ReadExactly(original.AsSpan(8));
        }
        long dataLength = fileLength - original.Length;
        // The unmutated header must parse, or the fuzzing below proves nothing.
        Assert.Equal(1007, SafetensorsHeader.Read(path, new MemoryStream(original), fileLength).Entries.Count);

        var run = Task.Run(() =>
        {
            var random = new Random(Seed);
            int rejected = 0;
            for (int i = 0; i < Mutations; i++)
            {
                var (bytes, length, description) = Mutate(random, original, dataLength);
                try
                {
                    SafetensorsHeader.Read($"mutation {i}", new MemoryStream(bytes), length);
                }
                catch (SafetensorsException)
                {
                    rejected++;
                }
                catch (Exception e)
                {
                    Assert.Fail($"mutation {i} ({description}) threw {e.GetType().Name}: {e.Message}");
                }
            }
            return rejected;
        });
        int rejectedCount;
        try
        {
            rejectedCount = await run.WaitAsync(TimeSpan.FromMinutes(5));
        }
        catch (TimeoutException)
        {
            throw new Xunit.Sdk.XunitException($"{Mutations} header parses did not finish within 5 minutes (a hang?)");
        }
        // Most mutations break the header; if almost none were rejected the mutations are not reaching the parser.
        Assert.True(rejectedCount > Mutations / 2, $"only {rejectedCount} of {Mutations} mutations were rejected");
    }

    private static (byte[] Bytes, long FileLength, string Description) Mutate(Random random, byte[] original, long dataLength)
    {
        var json = original.AsSpan(8).ToArray().ToList();
        var steps = new List<string>();
        int count = random.Next(1, 4);
        ulong? forcedLength = null;
        for (int k = 0; k < count; k++)
        {
            int at = random.Next(json.Count);
            switch (random.Next(7))
            {
                case 0:
                    json[at] ^= (byte)(1 << random.Next(8));
                    steps.Add($"flip bit at {at}");
                    break;
                case 1:
                    json[at] = Interesting[random.Next(Interesting.Length)];
                    steps.Add($"set byte {at}");
                    break;
                case 2:
                    int removeLength = Math.Min(random.Next(1, 64), json.Count - at);
                    json.RemoveRange(at, removeLength);
                    steps.Add($"delete {removeLength} at {at}");
                    break;
                case 3:
                    int from = random.Next(json.Count);
                    var copy = json.Skip(from).Take(random.Next(1, 64)).ToList();
                    json.InsertRange(at, copy);
                    steps.Add($"insert {copy.Count} from {from} at {at}");
                    break;
                case 4:
                    json.RemoveRange(at, json.Count - at);
                    steps.Add($"truncate at {at}");
                    break;
                case 5:
                    // Rewrite one digit: shapes and offsets change while the JSON stays valid.
                    int digit = json.FindIndex(at, b => b is >= (byte)'0' and <= (byte)'9');
                    if (digit >= 0) json[digit] = (byte)('0' + random.Next(10));
                    steps.Add($"digit at {digit}");
                    break;
                default:
                    forcedLength = random.Next(4) switch
                    {
                        0 => (ulong)random.NextInt64(),
                        1 => ulong.MaxValue - (ulong)random.Next(16),
                        2 => (ulong)random.Next(0, 16),
                        _ => (ulong)Math.Max(0, json.Count + random.Next(-8, 9)),
                    };
                    steps.Add($"length prefix {forcedLength}");
                    break;
            }
            if (json.Count == 0) json.Add((byte)'{');
        }

        var bytes = new byte[8 + json.Count];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, forcedLength ?? (ulong)json.Count);
        json.CopyTo(bytes, 8);
        // The data section keeps its size unless the length prefix was forced, which moves where the header ends.
        return (bytes, 8 + json.Count + dataLength, string.Join(", ", steps));
    }
}
