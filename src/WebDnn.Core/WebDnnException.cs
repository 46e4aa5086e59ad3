namespace WebDnn.Core;

/// <summary>Exit codes of the CLI (DESIGN.md "Contracts").</summary>
public static class ExitCodes
{
    public const int Success = 0;
    public const int Internal = 1;
    public const int Usage = 2;
    public const int InvalidModel = 3;
    public const int Unsupported = 4;
}

/// <summary>An error that ends a command with a specific exit code and a message meant for the user.</summary>
public class WebDnnException : Exception
{
    public WebDnnException(int exitCode, string message, Exception? inner = null) : base(message, inner) => ExitCode = exitCode;

    public int ExitCode { get; }
}

/// <summary>The model file is malformed or inconsistent (exit code 3). The message names the node, input or byte offset.</summary>
public sealed class InvalidModelException : WebDnnException
{
    public InvalidModelException(string message, Exception? inner = null) : base(ExitCodes.InvalidModel, message, inner) { }
}

/// <summary>The model uses operators, types or opsets we do not implement (exit code 4).</summary>
public sealed class UnsupportedModelException : WebDnnException
{
    public UnsupportedModelException(string message) : base(ExitCodes.Unsupported, message) { }
}

/// <summary>Bad command line or arguments (exit code 2).</summary>
public sealed class UsageException : WebDnnException
{
    public UsageException(string message) : base(ExitCodes.Usage, message) { }
}
