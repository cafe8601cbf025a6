using Tako.Sse.Mvc.Sample;

// dotnet run --project src/Tako.Sse.Mvc.Sample, then open http://localhost:5000
await SampleApp.Build(args).RunAsync();
