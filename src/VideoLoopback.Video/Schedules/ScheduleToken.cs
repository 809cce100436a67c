namespace VideoLoopback.Video.Schedules;

internal enum TokenKind { Number, String, Name, Operator, Newline, End }

/// <summary>A piece of a string literal: plain text, or (f-strings) a replacement field whose expression spans [ExpressionStart, ExpressionEnd) of the source.</summary>
internal abstract record StringPiece;

internal sealed record LiteralPiece(string Text) : StringPiece;

internal sealed record FieldPiece(int ExpressionStart, int ExpressionEnd, char? Conversion, IReadOnlyList<StringPiece> FormatSpec) : StringPiece;

/// <summary>One token; positions are indexes into the whole expression text.</summary>
internal sealed record Token(TokenKind Kind, int Start, int End, string Text)
{
    public ScheduleValue? Number { get; init; }
    public IReadOnlyList<StringPiece>? Pieces { get; init; }
    public bool IsFString { get; init; }

    public bool Is(string text) => Kind is TokenKind.Operator or TokenKind.Name && Text == text;

    /// <summary>How an error message names this token.</summary>
    public string Describe() => Kind switch
    {
        TokenKind.End => "end of expression",
        TokenKind.Newline => "line break",
        TokenKind.String => "string",
        _ => $"'{Text}'",
    };
}

/// <summary>A syntax error at a position of the expression; <see cref="Schedule"/> turns it into a <see cref="ScheduleSyntaxException"/>.</summary>
internal sealed class SyntaxError(int position, string message) : Exception(message)
{
    public int Position { get; } = position;
}
