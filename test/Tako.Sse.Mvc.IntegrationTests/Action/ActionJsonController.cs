using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Mvc;

namespace Tako.Sse.Mvc.IntegrationTests.Action;

/// <summary>The typed JSON form, from a controller (MVC's JSON options) and as a shared source for minimal APIs.</summary>
[ApiController]
public class ActionJsonController : ControllerBase
{
    [HttpGet("/action/json")]
    public SseActionResult People() => SseActionResult.Json(PeopleSource(), "person");

    public static async IAsyncEnumerable<Person> PeopleSource([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        yield return new Person("Ada Lovelace", 36);
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();
        yield return new Person("Grace \"Amazing\" Hopper\nRADM", 85);
    }
}

public sealed record Person(string FullName, int AgeInYears);
