using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace VideoLoopback.Diffusion.Checkpoints.Pickles;

/// <summary>
/// A restricted pickle reader (protocols 0 to 5). It builds plain values (None, bool, int, float, str, bytes, list,
/// tuple, dict) itself and asks <see cref="PickleGlobals"/> what every named global is: only the constructors a PyTorch
/// state dict needs are ever applied, the whitelisted bystanders become <see cref="InertObject"/>s, and anything else
/// stops the read. Persistent ids (PyTorch's storages) go to the given resolver. Every length is checked against the
/// bytes left in the stream before anything is allocated.
/// </summary>
internal sealed class PickleMachine
{
    private static readonly object Mark = new();
    private readonly Stream _input;
    private readonly Func<object?, object?> _persistentLoad;
    private readonly List<object?> _stack = [];
    private readonly List<int> _marks = [];
    private readonly Dictionary<long, object?> _memo = [];

    private PickleMachine(Stream input, Func<object?, object?> persistentLoad) => (_input, _persistentLoad) = (input, persistentLoad);

    /// <summary>Reads one pickle from the current position of <paramref name="input"/> up to and including its STOP.</summary>
    public static object? Load(Stream input, Func<object?, object?> persistentLoad) => new PickleMachine(input, persistentLoad).Run();

    private long Remaining => _input.Length - _input.Position;

    private object? Run()
    {
        while (true)
        {
            int op = _input.ReadByte();
            if (op < 0) throw new PickleException("the pickle ends before its STOP opcode (truncated)");
            switch ((byte)op)
            {
                case 0x80: ReadByte(); break; // PROTO
                case 0x95: ReadBytes(8); break; // FRAME: a length hint only
                case (byte)'.': return Pop(); // STOP
                case (byte)'(': _marks.Add(_stack.Count); break;
                case (byte)'0': Pop(); break;
                case (byte)'1': PopMark(); break;
                case (byte)'2': Push(Peek()); break;
                case (byte)'N': Push(null); break;
                case 0x88: Push(true); break;
                case 0x89: Push(false); break;
                case (byte)'J': Push((long)BinaryPrimitives.ReadInt32LittleEndian(ReadBytes(4))); break;
                case (byte)'K': Push((long)ReadByte()); break;
                case (byte)'M': Push((long)BinaryPrimitives.ReadUInt16LittleEndian(ReadBytes(2))); break;
                case 0x8a: Push(ReadLong(ReadByte())); break;
                case 0x8b: Push(ReadLong(ReadLength(4))); break;
                case (byte)'G': Push(BinaryPrimitives.ReadDoubleBigEndian(ReadBytes(8))); break;
                case (byte)'I': Push(ParseIntLine(ReadLine())); break;
                case (byte)'L': Push(ParseLong(ReadLine().TrimEnd('L'))); break;
                case (byte)'F': Push(ParseFloat(ReadLine())); break;
                case (byte)'X': Push(Encoding.UTF8.GetString(ReadBytes(ReadLength(4)))); break;
                case 0x8c: Push(Encoding.UTF8.GetString(ReadBytes(ReadByte()))); break;
                case 0x8d: Push(Encoding.UTF8.GetString(ReadBytes(ReadLength(8)))); break;
                case (byte)'V': Push(ReadLine()); break;
                case (byte)'T': Push(Encoding.Latin1.GetString(ReadBytes(ReadLength(4)))); break;
                case (byte)'U': Push(Encoding.Latin1.GetString(ReadBytes(ReadByte()))); break;
                case (byte)'S': Push(ReadLine().Trim('\'', '"')); break;
                case (byte)'B': Push(ReadBytes(ReadLength(4))); break;
                case (byte)'C': Push(ReadBytes(ReadByte())); break;
                case 0x8e: case 0x96: Push(ReadBytes(ReadLength(8))); break;
                case (byte)')': Push(Array.Empty<object?>()); break;
                case (byte)'t': Push(PopMark().ToArray()); break;
                case 0x85: Push(new[] { Pop() }); break;
                case 0x86: { var b = Pop(); var a = Pop(); Push(new[] { a, b }); break; }
                case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); Push(new[] { a, b, c }); break; }
                case (byte)']': Push(new List<object?>()); break;
                case (byte)'l': Push(PopMark()); break;
                case 0x8f: Push(new List<object?>()); break; // EMPTY_SET: a list is all a state dict reader needs
                case 0x91: Push(PopMark()); break; // FROZENSET
                case (byte)'}': Push(new PickleDict()); break;
                case (byte)'d': Push(PickleDict.FromPairs(PopMark())); break;
                case (byte)'a': { var item = Pop(); Append(Peek(), [item]); break; }
                case (byte)'e': case 0x90: { var items = PopMark(); Append(Peek(), items); break; }
                case (byte)'s': { var value = Pop(); var key = Pop(); SetItems(Peek(), [key, value]); break; }
                case (byte)'u': { var items = PopMark(); SetItems(Peek(), items); break; }
                case (byte)'q': _memo[ReadByte()] = Peek(); break;
                case (byte)'r': _memo[BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4))] = Peek(); break;
                case (byte)'p': _memo[ParseIndex(ReadLine())] = Peek(); break;
                case 0x94: _memo[_memo.Count] = Peek(); break;
                case (byte)'h': Push(Memo(ReadByte())); break;
                case (byte)'j': Push(Memo(BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4)))); break;
                case (byte)'g': Push(Memo(ParseIndex(ReadLine()))); break;
                case (byte)'c': { var module = ReadLine(); Push(PickleGlobals.Resolve(module, ReadLine())); break; }
                case 0x93: { var name = Pop() as string; var module = Pop() as string; Push(PickleGlobals.Resolve(Text(module), Text(name))); break; }
                case (byte)'R': { var args = Pop(); var callable = Pop(); Push(Call(callable, args)); break; }
                case 0x81: { var args = Pop(); var cls = Pop(); Push(Call(cls, args)); break; }
                case 0x92: { Pop(); var args = Pop(); var cls = Pop(); Push(Call(cls, args)); break; }
                case (byte)'o': { var items = PopMark(); if (items.Count == 0) throw Bad("OBJ without a class"); Push(Call(items[0], items.Skip(1).ToArray())); break; }
                case (byte)'i': { var module = ReadLine(); var cls = PickleGlobals.Resolve(module, ReadLine()); Push(Call(cls, PopMark().ToArray())); break; }
                case (byte)'b': Build(); break;
                case (byte)'Q': Push(_persistentLoad(Pop())); break;
                case (byte)'P': Push(_persistentLoad(ReadLine())); break;
                default:
                    throw new PickleException($"unsupported pickle opcode 0x{op:x2} at byte {_input.Position - 1}");
            }
        }
    }

    private static PickleException Bad(string what) => new($"malformed pickle: {what}");

    private static string Text(string? value) => value ?? throw Bad("STACK_GLOBAL needs two strings");

    private void Push(object? value) => _stack.Add(value);

    private object? Peek() => _stack.Count > (_marks.Count > 0 ? _marks[^1] : 0) ? _stack[^1] : throw Bad("stack underflow");

    private object? Pop()
    {
        var value = Peek();
        _stack.RemoveAt(_stack.Count - 1);
        return value;
    }

    private List<object?> PopMark()
    {
        if (_marks.Count == 0) throw Bad("no MARK on the stack");
        int start = _marks[^1];
        _marks.RemoveAt(_marks.Count - 1);
        var items = _stack.GetRange(start, _stack.Count - start);
        _stack.RemoveRange(start, _stack.Count - start);
        return items;
    }

    private object? Memo(long index) => _memo.TryGetValue(index, out var value) ? value : throw Bad($"memo entry {index} is not set");

    private static object? Call(object? callable, object? args)
    {
        var arguments = args as object?[] ?? (args is List<object?> list ? list.ToArray() : throw Bad("call arguments are not a tuple"));
        return callable switch
        {
            PickleCallable function => function.Invoke(arguments),
            InertObject inert => new InertObject(inert.What),
            _ => throw Bad($"a {Describe(callable)} is called as a function"),
        };
    }

    /// <summary>BUILD sets an object's state; no object this reader makes has state worth keeping (an OrderedDict's _metadata).</summary>
    private void Build()
    {
        Pop();
        if (Peek() is not (InertObject or PickleDict or PickledTensor))
            throw Bad($"BUILD on a {Describe(Peek())}");
    }

    private static void Append(object? target, List<object?> items)
    {
        if (target is List<object?> list) list.AddRange(items);
        else if (target is not InertObject) throw Bad($"APPEND to a {Describe(target)}");
    }

    private static void SetItems(object? target, List<object?> items)
    {
        if (items.Count % 2 != 0) throw Bad("SETITEMS with an odd number of items");
        if (target is PickleDict dict)
            for (int i = 0; i < items.Count; i += 2) dict.Set(items[i], items[i + 1]);
        else if (target is not InertObject) throw Bad($"SETITEM on a {Describe(target)}");
    }

    public static string Describe(object? value) => value switch
    {
        null => "None",
        InertObject inert => inert.What,
        PickleCallable callable => callable.Name,
        _ => value.GetType().Name,
    };

    private byte ReadByte()
    {
        int b = _input.ReadByte();
        return b >= 0 ? (byte)b : throw Truncated();
    }

    private int ReadLength(int bytes)
    {
        var raw = ReadBytes(bytes);
        ulong length = bytes == 4 ? BinaryPrimitives.ReadUInt32LittleEndian(raw) : BinaryPrimitives.ReadUInt64LittleEndian(raw);
        if (length > (ulong)Remaining)
            throw new PickleException($"a pickled value declares {length} bytes but only {Remaining} remain (truncated or malformed)");
        if (length > int.MaxValue) throw new PickleException($"a pickled value of {length} bytes is too large");
        return (int)length;
    }

    private byte[] ReadBytes(int count)
    {
        if (count > Remaining) throw Truncated();
        var buffer = new byte[count];
        _input.ReadExactly(buffer);
        return buffer;
    }

    private string ReadLine()
    {
        var bytes = new List<byte>();
        while (true)
        {
            byte b = ReadByte();
            if (b == (byte)'\n') return Encoding.Latin1.GetString(bytes.ToArray());
            if (bytes.Count >= 1 << 16) throw Bad("text line longer than 64 KiB");
            bytes.Add(b);
        }
    }

    private static PickleException Truncated() => new("the pickle ends in the middle of a value (truncated)");

    /// <summary>A LONG1/LONG4 integer: a long when it fits (as Python ints of storage sizes and offsets do), else a BigInteger.</summary>
    private object ReadLong(int byteCount)
    {
        var bytes = ReadBytes(byteCount);
        var value = new BigInteger(bytes, isUnsigned: false, isBigEndian: false);
        return value >= long.MinValue && value <= long.MaxValue ? (object)(long)value : value;
    }

    private static object ParseIntLine(string line) => line switch
    {
        "01" => true,
        "00" => false,
        _ => ParseLong(line),
    };

    private static object ParseLong(string text)
    {
        if (!BigInteger.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            throw Bad($"'{text}' is not an integer");
        return value >= long.MinValue && value <= long.MaxValue ? (object)(long)value : value;
    }

    private static double ParseFloat(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : throw Bad($"'{text}' is not a float");

    private static long ParseIndex(string text) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var index) ? index : throw Bad($"memo index '{text}'");
}
