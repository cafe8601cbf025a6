namespace Tako.Sse.Mvc.IntegrationTests.Headers;

/// <summary>Lets a test hold an endpoint until it has seen the first event.</summary>
public sealed class Gate
{
    private readonly TaskCompletionSource _opened = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Opened => _opened.Task;

    public void Open() => _opened.TrySetResult();
}
