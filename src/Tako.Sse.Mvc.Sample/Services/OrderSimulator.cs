namespace Tako.Sse.Mvc.Sample.Services;

/// <summary>A pretend order pipeline whose log lines give the live log tail something to show.</summary>
/// <param name="logger">Where the lines go; the log tail picks them up with everything else.</param>
/// <param name="timeProvider">The clock of the simulation.</param>
public sealed class OrderSimulator(ILogger<OrderSimulator> logger, TimeProvider timeProvider) : BackgroundService
{
    private static readonly TimeSpan s_period = TimeSpan.FromSeconds(1.5);
    private static readonly string[] s_cities = ["Osaka", "Lisbon", "Nairobi", "Montreal", "Tromsø", "Valparaíso"];

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(s_period, timeProvider);
        var step = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var orderId = 1000 + (step / 2);
                if (step % 2 == 0)
                {
                    SampleLog.OrderReceived(logger, orderId, s_cities[orderId % s_cities.Length]);
                }
                else if (orderId % 7 == 3)
                {
                    SampleLog.PaymentRetried(logger, orderId);
                }
                else
                {
                    SampleLog.OrderShipped(logger, orderId, 20 + (orderId * 37 % 80));
                }

                step++;
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The application is stopping.
        }
    }
}
