using System.Globalization;
using System.Numerics;
using System.Text;

namespace VideoLoopback.Video.Schedules;

/// <summary>Splits (a range of) an expression into Python tokens: numbers, strings and f-strings, names, operators.</summary>
internal sealed class ScheduleTokenizer
{
    private static readonly string[] Operators =
    [
        "**=", "//=", ">>=", "<<=", "...",
        "**", "//", "<<", ">>", "<=", ">=", "==", "!=", "->", ":=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "@=",
        "+", "-", "*", "/", "%", "@", "&", "|", "^", "~", "<", ">", "(", ")", "[", "]", "{", "}", ",", ":", ".", ";", "=",
    ];

    private readonly string _source;
    private readonly int _end;
    private int _position;
    private int _bracketDepth;

    public ScheduleTokenizer(string source, int start, int end)
    {
        _source = source;
        _position = start;
        _end = end;
    }

    public List<Token> Tokenize()
    {
        var tokens = new List<Token>();
        while (true)
        {
            var token = Next();
            if (token.Kind == TokenKind.Newline && (tokens.Count == 0 || tokens[^1].Kind == TokenKind.Newline)) continue;
            tokens.Add(token);
            if (token.Kind == TokenKind.End) break;
        }
        // Trailing line breaks are harmless to eval().
        while (tokens.Count >= 2 && tokens[^2].Kind == TokenKind.Newline) tokens.RemoveAt(tokens.Count - 2);
        return tokens;
    }

    private char Peek(int offset = 0) => _position + offset < _end ? _source[_position + offset] : '\0';

    private Token Next()
    {
        while (_position < _end)
        {
            char c = _source[_position];
            if (c is ' ' or '\t' or '\f') { _position++; continue; }
            if (c == '#') { while (_position < _end && _source[_position] != '\n') _position++; continue; }
            if (c == '\\' && Peek(1) == '\n') { _position += 2; continue; }
            if (c == '\\' && Peek(1) == '\r' && Peek(2) == '\n') { _position += 3; continue; }
            if (c is '\n' or '\r')
            {
                int start = _position++;
                if (_bracketDepth > 0) continue;
                return new Token(TokenKind.Newline, start, _position, "\n");
            }
            break;
        }
        if (_position >= _end) return new Token(TokenKind.End, _end, _end, "");

        char first = _source[_position];
        if (char.IsAsciiDigit(first) || (first == '.' && char.IsAsciiDigit(Peek(1)))) return ReadNumber();
        if (first is '\'' or '"') return ReadString(_position, "");
        if (first == '_' || char.IsLetter(first))
        {
            int start = _position;
            while (_position < _end && (_source[_position] == '_' || char.IsLetterOrDigit(_source[_position]))) _position++;
            var word = _source[start.._position];
            if (Peek() is '\'' or '"' && IsStringPrefix(word)) return ReadString(start, word.ToLowerInvariant());
            return new Token(TokenKind.Name, start, _position, word);
        }
        foreach (var op in Operators)
        {
            if (string.CompareOrdinal(_source, _position, op, 0, op.Length) == 0 && _position + op.Length <= _end)
            {
                int start = _position;
                _position += op.Length;
                if (op is "(" or "[" or "{") _bracketDepth++;
                else if (op is ")" or "]" or "}") _bracketDepth = Math.Max(0, _bracketDepth - 1);
                return new Token(TokenKind.Operator, start, _position, op);
            }
        }
        if (first == '!') throw new SyntaxError(_position, "invalid syntax: '!' (did you mean 'not' or '!='?)");
        throw new SyntaxError(_position, $"invalid character '{first}'");
    }

    private static bool IsStringPrefix(string word) =>
        word.ToLowerInvariant() is "r" or "u" or "f" or "rf" or "fr" or "b" or "br" or "rb";

    // ---- numbers ------------------------------------------------------------------------------

    private Token ReadNumber()
    {
        int start = _position;
        if (Peek() == '0' && char.ToLowerInvariant(Peek(1)) is 'x' or 'o' or 'b')
        {
            int radix = char.ToLowerInvariant(Peek(1)) switch { 'x' => 16, 'o' => 8, _ => 2 };
            _position += 2;
            var value = BigInteger.Zero;
            int digits = 0;
            while (_position < _end)
            {
                char c = _source[_position];
                if (c == '_') { _position++; continue; }
                int digit = char.IsAsciiHexDigit(c) ? Convert.ToInt32(c.ToString(), 16) : -1;
                if (digit < 0 || digit >= radix) break;
                value = value * radix + digit;
                digits++;
                _position++;
            }
            if (digits == 0) throw new SyntaxError(start, "invalid number literal");
            return Finish(start, IntValue.From(value));
        }

        bool isFloat = false;
        ReadDigits();
        if (Peek() == '.' ) { isFloat = true; _position++; ReadDigits(); }
        if (char.ToLowerInvariant(Peek()) == 'e' && (char.IsAsciiDigit(Peek(1)) || (Peek(1) is '+' or '-' && char.IsAsciiDigit(Peek(2)))))
        {
            isFloat = true;
            _position += Peek(1) is '+' or '-' ? 2 : 1;
            ReadDigits();
        }
        if (char.ToLowerInvariant(Peek()) == 'j') throw new SyntaxError(_position, "complex numbers are not supported");
        var text = _source[start.._position].Replace("_", "");
        if (text.EndsWith('_') || _source[start.._position].Contains("__")) throw new SyntaxError(start, "invalid number literal");
        if (isFloat) return Finish(start, new FloatValue(double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture)));
        if (text.Length > 1 && text[0] == '0' && text.Any(c => c != '0'))
            throw new SyntaxError(start, "leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers");
        if (text.Length > 4300) throw new SyntaxError(start, "integer literal too long");
        return Finish(start, IntValue.From(BigInteger.Parse(text, CultureInfo.InvariantCulture)));
    }

    private void ReadDigits()
    {
        while (_position < _end && (char.IsAsciiDigit(_source[_position]) || (_source[_position] == '_' && char.IsAsciiDigit(Peek(1))))) _position++;
    }

    private Token Finish(int start, ScheduleValue value)
    {
        if (_position < _end && (char.IsLetter(_source[_position]) || _source[_position] == '_'))
            throw new SyntaxError(_position, "invalid number literal");
        return new Token(TokenKind.Number, start, _position, _source[start.._position]) { Number = value };
    }

    // ---- strings ------------------------------------------------------------------------------

    private Token ReadString(int start, string prefix)
    {
        if (prefix.Contains('b')) throw new SyntaxError(start, "bytes literals are not supported");
        bool raw = prefix.Contains('r'), formatted = prefix.Contains('f');
        char quote = _source[_position];
        bool triple = Peek(1) == quote && Peek(2) == quote;
        int quoteLength = triple ? 3 : 1;
        _position += quoteLength;
        int bodyStart = _position;
        while (true)
        {
            if (_position >= _end) throw new SyntaxError(start, "unterminated string literal");
            char c = _source[_position];
            if (c == '\\') { _position += 2; continue; }
            if (!triple && c is '\n' or '\r') throw new SyntaxError(start, "unterminated string literal");
            if (c == quote && (!triple || (Peek(1) == quote && Peek(2) == quote))) break;
            _position++;
        }
        int bodyEnd = _position;
        _position += quoteLength;
        var pieces = formatted ? ParseFString(bodyStart, bodyEnd, raw, 0) : [new LiteralPiece(Unescape(bodyStart, bodyEnd, raw))];
        return new Token(TokenKind.String, start, _position, _source[start.._position]) { Pieces = pieces, IsFString = formatted };
    }

    private string Unescape(int start, int end, bool raw)
    {
        if (raw) return _source[start..end];
        var builder = new StringBuilder(end - start);
        for (int i = start; i < end; i++)
        {
            char c = _source[i];
            if (c != '\\' || i + 1 >= end) { builder.Append(c); continue; }
            char e = _source[++i];
            switch (e)
            {
                case '\n': break;
                case '\\': builder.Append('\\'); break;
                case '\'': builder.Append('\''); break;
                case '"': builder.Append('"'); break;
                case 'a': builder.Append('\a'); break;
                case 'b': builder.Append('\b'); break;
                case 'f': builder.Append('\f'); break;
                case 'n': builder.Append('\n'); break;
                case 'r': builder.Append('\r'); break;
                case 't': builder.Append('\t'); break;
                case 'v': builder.Append('\v'); break;
                case 'x': builder.Append(HexEscape(ref i, end, 2)); break;
                case 'u': builder.Append(HexEscape(ref i, end, 4)); break;
                case 'U': builder.Append(HexEscape(ref i, end, 8)); break;
                case 'N': throw new SyntaxError(i - 1, "\\N{...} escapes are not supported");
                case >= '0' and <= '7':
                    {
                        int value = e - '0', count = 1;
                        while (count < 3 && i + 1 < end && _source[i + 1] is >= '0' and <= '7') { value = value * 8 + (_source[++i] - '0'); count++; }
                        builder.Append((char)value);
                        break;
                    }
                default: builder.Append('\\').Append(e); break;
            }
        }
        return builder.ToString();
    }

    private string HexEscape(ref int i, int end, int length)
    {
        int start = i - 1;
        if (i + length >= end || !_source.AsSpan(i + 1, length).ToString().All(char.IsAsciiHexDigit))
            throw new SyntaxError(start, $"truncated \\{_source[i]} escape");
        int code = int.Parse(_source.AsSpan(i + 1, length), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        i += length;
        if (code > 0x10FFFF) throw new SyntaxError(start, "illegal Unicode character");
        return char.ConvertFromUtf32(code);
    }

    /// <summary>Splits an f-string body into literal text and replacement fields (Python 3.11 rules).</summary>
    private List<StringPiece> ParseFString(int start, int end, bool raw, int nesting)
    {
        var pieces = new List<StringPiece>();
        int literalStart = start;
        int i = start;
        void FlushLiteral(int upTo)
        {
            if (upTo > literalStart) pieces.Add(new LiteralPiece(Unescape(literalStart, upTo, raw)));
        }
        while (i < end)
        {
            char c = _source[i];
            if (c == '\\' && !raw) { i += 2; continue; }
            if (c == '{' && i + 1 < end && _source[i + 1] == '{' && nesting == 0)
            {
                FlushLiteral(i + 1);
                i += 2;
                literalStart = i;
                continue;
            }
            if (c == '}')
            {
                if (nesting == 0 && i + 1 < end && _source[i + 1] == '}')
                {
                    FlushLiteral(i + 1);
                    i += 2;
                    literalStart = i;
                    continue;
                }
                throw new SyntaxError(i, "f-string: single '}' is not allowed");
            }
            if (c != '{') { i++; continue; }

            FlushLiteral(i);
            if (nesting >= 2) throw new SyntaxError(i, "f-string: expressions nested too deeply");
            int expressionStart = i + 1;
            int j = expressionStart, depth = 0;
            while (true)
            {
                if (j >= end) throw new SyntaxError(i, "f-string: expecting '}'");
                char d = _source[j];
                if (d == '\\') throw new SyntaxError(j, "f-string expression part cannot include a backslash");
                if (d is '\'' or '"')
                {
                    int close = _source.IndexOf(d, j + 1, end - j - 1);
                    if (close < 0) throw new SyntaxError(j, "f-string: unterminated string");
                    j = close + 1;
                    continue;
                }
                if (d is '(' or '[' or '{') depth++;
                else if (d is ')' or ']' || (d == '}' && depth > 0)) depth--;
                else if (depth == 0 && (d == '}' || d == ':' || (d == '!' && j + 1 < end && _source[j + 1] != '='))) break;
                else if (depth == 0 && d == '=' && j + 1 < end && _source[j + 1] is '}' or '!' or ':' && j > expressionStart && _source[j - 1] is not ('=' or '!' or '<' or '>'))
                    throw new SyntaxError(j, "f-string '=' self-documenting expressions are not supported");
                j++;
            }
            int expressionEnd = j;
            if (_source.AsSpan(expressionStart, expressionEnd - expressionStart).IsWhiteSpace())
                throw new SyntaxError(i, "f-string: empty expression not allowed");
            char? conversion = null;
            if (_source[j] == '!')
            {
                if (j + 1 >= end || _source[j + 1] is not ('r' or 's' or 'a'))
                    throw new SyntaxError(j, "f-string: invalid conversion character: expected 's', 'r', or 'a'");
                conversion = _source[j + 1];
                j += 2;
                if (j >= end || _source[j] is not ('}' or ':')) throw new SyntaxError(j, "f-string: expecting '}'");
            }
            IReadOnlyList<StringPiece> spec = [];
            if (_source[j] == ':')
            {
                int specStart = j + 1, k = specStart, specDepth = 0;
                while (true)
                {
                    if (k >= end) throw new SyntaxError(i, "f-string: expecting '}'");
                    if (_source[k] == '{') specDepth++;
                    else if (_source[k] == '}')
                    {
                        if (specDepth == 0) break;
                        specDepth--;
                    }
                    k++;
                }
                spec = ParseFString(specStart, k, raw, nesting + 1);
                j = k;
            }
            pieces.Add(new FieldPiece(expressionStart, expressionEnd, conversion, spec));
            i = j + 1;
            literalStart = i;
        }
        FlushLiteral(end);
        return pieces;
    }
}
