#!/usr/bin/env pwsh
# Restore, clean, build, test and pack, stopping at the first failing step. CI runs exactly this script
# (.ci/run: `dotnet tool restore`, then `dotnet pwsh ./build.ps1`), so it is proven on every submission.
# Tests run on the Release build, the one that is packed.
param(
    [string] $Configuration = 'Release'
)

$ErrorActionPreference = 'Stop'
Set-Location $PSScriptRoot

function Invoke-Step([string] $Name, [scriptblock] $Command) {
    Write-Host "==> $Name"
    & $Command
    if ($LASTEXITCODE -ne 0) { throw "$Name failed with exit code $LASTEXITCODE" }
}

# The test log (artifacts/test-output.log, written by .ci/run) lives beside the packages: keep it.
if (Test-Path artifacts/packages) { Remove-Item artifacts/packages -Recurse -Force }
Invoke-Step 'restore' { dotnet restore Tako.Sse.Mvc.sln }
Invoke-Step 'clean'   { dotnet clean Tako.Sse.Mvc.sln -c $Configuration --nologo -v quiet }
Invoke-Step 'build'   { dotnet build Tako.Sse.Mvc.sln -c $Configuration --no-restore }
# --blame: if a test host crashes, the log names the test that was running.
Invoke-Step 'test'    { dotnet test Tako.Sse.Mvc.sln -c $Configuration --no-build --blame }
Invoke-Step 'pack'    { dotnet pack src/Tako.Sse.Mvc/Tako.Sse.Mvc.csproj -c $Configuration --no-build -o artifacts/packages }
Invoke-Step 'pack redis' { dotnet pack src/Tako.Sse.Mvc.StackExchangeRedis/Tako.Sse.Mvc.StackExchangeRedis.csproj -c $Configuration --no-build -o artifacts/packages }
