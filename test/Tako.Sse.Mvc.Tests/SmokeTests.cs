using System.Buffers;
using System.Text;
using Microsoft.Extensions.Options;

namespace Tako.Sse.Mvc.Tests;

public class SmokeTests
{
    [Fact]
    public void Encode_SeedGreeting_WritesEventIdData()
    {
        var encoder = new SseEncoder(Options.Create(new TakoSseOptions()));
        var buffer = new ArrayBufferWriter<byte>();
        encoder.Encode(SseEvent.FromData("again").WithEvent("greeting").WithId("1"), buffer);
        Encoding.UTF8.GetString(buffer.WrittenSpan).Should().Be("event: greeting\nid: 1\ndata: again\n\n");
    }
}
