using System.Text;
using Microsoft.Extensions.Logging;

namespace Tako.Sse.Mvc;

/// <summary>The writer StackExchange.Redis gets for its connection log: each line becomes a Debug entry.</summary>
internal sealed class RedisLogWriter(ILogger logger) : TextWriter
{
    private readonly StringBuilder _line = new();

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value)
    {
        lock (_line)
        {
            Append(value);
        }
    }

    public override void Flush()
    {
        lock (_line)
        {
            EmitLine();
        }
    }

    protected override void Dispose(bool disposing)
    {
        Flush();
        base.Dispose(disposing);
    }

    private void Append(char value)
    {
        if (value == '\n')
        {
            EmitLine();
        }
        else if (value != '\r')
        {
            _line.Append(value);
        }
    }

    private void EmitLine()
    {
        if (_line.Length > 0)
        {
            RedisLog.ConnectionLog(logger, _line.ToString());
            _line.Clear();
        }
    }
}
