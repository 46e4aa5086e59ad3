namespace WebDnn.Tooling.Bench;

/// <summary>The progress line of <c>webdnn bench</c> on stderr: rewritten in place on a terminal, one line per step otherwise.</summary>
public sealed class BenchProgress : IProgress<string>
{
    private readonly TextWriter _err;
    private readonly bool _inPlace;
    private readonly Lock _lock = new();
    private bool _open;

    public BenchProgress(TextWriter? err = null, bool? inPlace = null)
    {
        _err = err ?? Console.Error;
        _inPlace = inPlace ?? !Console.IsErrorRedirected;
    }

    public void Report(string value)
    {
        lock (_lock)
        {
            if (_inPlace)
            {
                // \r + erase-line keeps one live line; Done() ends it.
                _err.Write($"\r\u001b[K{value}");
                _open = true;
            }
            else
            {
                _err.WriteLine(value);
            }
            _err.Flush();
        }
    }

    /// <summary>Ends the live line (call before printing the table).</summary>
    public void Done()
    {
        lock (_lock)
        {
            if (_open)
            {
                _err.Write("\r\u001b[K");
                _err.Flush();
                _open = false;
            }
        }
    }
}
