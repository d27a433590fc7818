namespace Scaler.Tests;
