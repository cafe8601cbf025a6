using System.Text;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.Extensions.Options;

namespace Tako.Sse.Mvc;

/// <summary>
/// Rewrites the <c>200</c> response of every API description (MVC action or minimal API endpoint alike) whose
/// endpoint carries <see cref="ProducesServerSentEventsAttribute"/>: <c>text/event-stream</c>, the first event's
/// type as the schema, and every event named in the description. Microsoft.AspNetCore.OpenApi (and Swashbuckle)
/// build their documents from these descriptions. Inert when the app uses no API explorer.
/// </summary>
internal sealed class SseApiDescriptionProvider(IOptions<TakoSseOptions> options) : IApiDescriptionProvider
{
    // After MVC's (-1000) and minimal APIs' (-1100) providers have filled in the descriptions.
    public int Order => 100;

    public void OnProvidersExecuting(ApiDescriptionProviderContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        foreach (var description in context.Results)
        {
            var events = description.ActionDescriptor.EndpointMetadata?.OfType<ProducesServerSentEventsAttribute>().ToList();
            if (events is not { Count: > 0 })
            {
                continue;
            }

            var response = new ApiResponseType
            {
                StatusCode = 200,
                Type = events[0].Type,
                Description = Describe(events, options.Value.Channels.GapEventName, options.Value.Channels.RevokedEventName),
            };
            response.ApiResponseFormats.Add(new ApiResponseFormat { MediaType = SseEncoder.EventStreamContentType });

            for (var i = description.SupportedResponseTypes.Count - 1; i >= 0; i--)
            {
                if (description.SupportedResponseTypes[i].StatusCode == 200)
                {
                    description.SupportedResponseTypes.RemoveAt(i);
                }
            }

            description.SupportedResponseTypes.Add(response);
        }
    }

    public void OnProvidersExecuted(ApiDescriptionProviderContext context)
    {
    }

    internal static string Describe(IReadOnlyList<ProducesServerSentEventsAttribute> events, string gapEventName, string revokedEventName)
    {
        var text = new StringBuilder("Server-Sent Events (text/event-stream). Events: ");
        var first = true;
        foreach (var evt in events)
        {
            text.Append(first ? "" : ", ").Append('`').Append(evt.EventName ?? "message").Append("` (").Append(evt.Type.Name).Append(')');
            first = false;
        }

        if (events.Any(e => e.ChannelSubscription))
        {
            text.Append(", `").Append(gapEventName)
                .Append("` (JSON with lastEventId and reason, and channel on a stream of several: events were missed, reload the state), `")
                .Append(revokedEventName)
                .Append("` (JSON with channel: a re-check took that channel away from the open stream)");
        }

        return text.Append('.').ToString();
    }
}
